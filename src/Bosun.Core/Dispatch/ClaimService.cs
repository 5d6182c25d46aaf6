using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Ledger;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Dispatch;

/// Hands ready work to agents. The pick and the lease happen in one short transaction: on PostgreSQL the
/// candidates are locked with FOR UPDATE SKIP LOCKED so concurrent claimers never get the same item; on
/// SQLite the transaction starts with BEGIN IMMEDIATE, so claims are serialised by the single writer.
public sealed class ClaimService(
    BosunDb db, RequestContext context, TimeProvider clock, WorkSignal signal, DispatchContext contextBuilder, BudgetEnforcement budgets, IServiceProvider services)
{
    public const int MaxBatch = 100;
    public const int MaxWaitSeconds = 60;
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    public async Task<ClaimResponse> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var max = Check.Range(problem, "max", request.Max, 1, MaxBatch) ?? 1;
        var wait = Check.Range(problem, "wait_seconds", request.WaitSeconds, 0, MaxWaitSeconds) ?? 0;
        problem.ThrowIfAny();
        if (context.Actor.Type != ActorType.Agent)
        {
            throw ProblemException.Forbidden("Only agents claim from the queue; people start an item with POST /api/v1/work/{id}/start.");
        }

        // Claiming moves work. It is decided before any item is chosen, so a policy on `work:*` (or `*`) applies here;
        // which projects an agent takes work from is its project list.
        Permissions.Require(context, Capability.MoveWork, Governance.Access.WorkAccess.Queue);

        db.GenericPlans = true;
        using var activity = BosunTelemetry.Source.StartActivity("bosun.claim");
        activity?.SetTag("bosun.tenant_id", context.TenantId);
        activity?.SetTag("bosun.agent_id", context.Actor.Id);
        try
        {
            var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(wait);
            for (var attempt = 0; ; attempt++)
            {
                var workAppeared = signal.Next();
                var claimed = await TryClaimAsync(max, request.Project is { Length: > 0 } project ? project : null, lookFirst: attempt > 0, ct);
                if (claimed.Count > 0 || clock.GetUtcNow() >= deadline)
                {
                    BosunTelemetry.Claimed(claimed.Count);
                    activity?.SetTag("bosun.claimed", claimed.Count);
                    return new ClaimResponse(claimed);
                }

                var left = deadline - clock.GetUtcNow();
                await Wake.WaitAsync(workAppeared, left < RecheckInterval ? left : RecheckInterval, ct);
            }
        }
        catch (Exception ex)
        {
            var result = ex switch
            {
                ProblemException { Type: "/problems/claims-paused" } => "paused",
                ProblemException { Status: < 500 } => "refused",
                OperationCanceledException => "cancelled",
                _ => "error",
            };
            BosunTelemetry.Claims.Add(1, new KeyValuePair<string, object?>("result", result));
            activity?.SetTag("bosun.result", result);
            throw;
        }
    }

    private async Task<IReadOnlyList<ClaimedWork>> TryClaimAsync(int max, string? projectRef, bool lookFirst, CancellationToken ct)
    {
        var agentId = context.Actor.Id!;

        // SQLite has one writer at a time, so there the claim holds the write lock only for what must be exact (the
        // agent's run count, the pick and the lease): the project and the spent budgets are read just before, and
        // the context after the commit. PostgreSQL does it all in one transaction, which saves rounds of BEGIN and COMMIT.
        // While long-polling, that read also looks for work first, so idle pollers never queue for SQLite's writer lock.
        var inside = !ClaimStatements.SingleWriter(db);
        (string? ProjectId, BlockedScopes? Blocked)? before = null;
        if (lookFirst || !inside)
        {
            var look = await db.InTransactionAsync(async c =>
            {
                var state = await AgentAsync(agentId, projectRef, lockCaps: false, c);
                var found = state.Agent;

                // A paused agent is answered here, without queueing for SQLite's writer lock.
                CheckAgent(found, lookFirst ? state.ActiveRuns : null);

                var projectId = state.Project();
                var blocked = await BlockedAsync(state, projectId, c);
                return (projectId, blocked, Ready: !lookFirst || await AnyCandidateAsync(found, projectId, blocked, c));
            }, write: false, ct);
            if (!look.Ready)
            {
                return [];
            }

            before = inside ? null : (look.projectId, look.blocked);
        }

        var (leases, claimed) = await RetryTransientAsync(() => db.InTransactionAsync(async c =>
        {
            var state = await AgentAsync(agentId, before is null ? projectRef : null, lockCaps: true, c);
            var (fresh, active) = (state.Agent, state.ActiveRuns);
            CheckAgent(fresh, active);
            var projectId = before is { } known ? known.ProjectId : state.Project();
            var blocked = before is { } read ? read.Blocked : await BlockedAsync(state, projectId, c);
            var room = Math.Min(max, fresh.MaxConcurrentRuns - active);
            var caps = state.Capped ? await CapRoomAsync(state, projectId, room, c) : null;
            var ids = await SelectCandidatesAsync(fresh, projectId, caps?.Room ?? room, lockRows: true, blocked, c, caps);
            if (ids.Count == 0 && caps is { Full.Count: > 0 } && (await SelectCandidatesAsync(fresh, projectId, 1, lockRows: false, blocked, c)).Count > 0)
            {
                throw CapReached($"Project{(caps.Full.Count > 1 ? "s" : "")} {string.Join(", ", caps.Full.Values.Order())} already "
                                 + $"{(caps.Full.Count > 1 ? "have" : "has")} as many active runs as {(caps.Full.Count > 1 ? "their caps allow" : "its cap allows")}, "
                                 + "and the work you may take is there.", "project");
            }

            var made = await LeaseAsync(fresh, ids, c);
            return (made, inside && made.Count > 0 ? await BuildAsync(made, c) : ((IReadOnlyList<ClaimedWork>, bool)?)null);
        }, write: true, ct));

        if (leases.Count == 0)
        {
            return [];
        }

        var (work, profiled) = claimed ?? await db.InTransactionAsync(c => BuildAsync(leases, c), write: false, ct);
        return profiled ? await WithAssembledContextAsync(work, ct) : work;
    }

    /// The claimed items with their context, and whether the agent has a context profile for them, asked in the same
    /// transaction so a claim without one costs no extra round trip.
    private async Task<(IReadOnlyList<ClaimedWork> Work, bool Profiled)> BuildAsync(IReadOnlyList<Lease> leases, CancellationToken ct)
    {
        var work = await contextBuilder.BuildAsync(leases, ct);
        var profiled = await services.GetRequiredService<Knowledge.ContextService>()
            .AgentHasProfileAsync(work.Select(w => w.Item.Type).Distinct().ToList(), ct);
        return (work, profiled);
    }

    /// An agent with a context profile gets each item's context assembled under its budget too (see ContextService). The
    /// claim has committed by then: an assembly that fails leaves the claim as it is and the fixed context in place.
    private async Task<IReadOnlyList<ClaimedWork>> WithAssembledContextAsync(IReadOnlyList<ClaimedWork> work, CancellationToken ct)
    {
        var assembler = services.GetRequiredService<Knowledge.ContextService>();
        return await db.InTransactionAsync(async c =>
        {
            var assembled = new List<ClaimedWork>(work.Count);
            foreach (var w in work)
            {
                assembled.Add(w with { Assembled = await assembler.AssembleAsync(new Knowledge.AssembleRequest(w.Item.Id), c) });
            }

            return (IReadOnlyList<ClaimedWork>)assembled;
        }, write: true, ct);
    }

    private async Task<AgentState> AgentAsync(string agentId, string? projectRef, bool lockCaps, CancellationToken ct) =>
        await ClaimStatements.AgentAsync(db, context.RequireTenant(), agentId, projectRef, lockCaps, ct)
        ?? throw ProblemException.Forbidden("This agent no longer exists.");

    /// What the caps on concurrent runs leave of the claim's room: at most <see cref="Room"/> items, none from the
    /// projects in <see cref="Full"/> (id → key), and from the other capped projects no more than <see cref="Left"/> says.
    private sealed record CapRoom(int Room, Dictionary<string, string> Full, Dictionary<string, int> Left);

    /// Counts the runs under the caps (on PostgreSQL after the claim lock, so exactly) and refuses the claim when the
    /// tenant, or the project it names, has no room.
    private async Task<CapRoom> CapRoomAsync(AgentState state, string? projectId, int room, CancellationToken ct)
    {
        var counts = await ClaimStatements.CapsAsync(db, context.RequireTenant(), ct);
        if (state.TenantCap is { } cap)
        {
            if (counts.TenantActive >= cap)
            {
                throw CapReached($"The tenant already has {counts.TenantActive} of its {cap} concurrent runs; wait for one to end.", "tenant");
            }

            room = Math.Min(room, cap - counts.TenantActive);
        }

        if (projectId is not null && counts.Projects.TryGetValue(projectId, out var named))
        {
            if (named.Active >= named.Cap)
            {
                throw CapReached($"Project {named.Key} already has {named.Active} of its {named.Cap} concurrent runs; wait for one to end.", "project");
            }

            room = Math.Min(room, named.Cap - named.Active);
        }

        return new CapRoom(room,
            counts.Projects.Where(p => p.Value.Active >= p.Value.Cap).ToDictionary(p => p.Key, p => p.Value.Key),
            counts.Projects.Where(p => p.Value.Active < p.Value.Cap).ToDictionary(p => p.Key, p => p.Value.Cap - p.Value.Active));
    }

    private static ProblemException CapReached(string detail, string scope)
    {
        var problem = new ProblemException(429, "Too many active runs", detail, "/problems/concurrency-limit");
        problem.Headers["Retry-After"] = "5";
        problem.Extensions["limit_scope"] = scope;
        return problem;
    }

    /// Many claimers lock rows at once; when PostgreSQL aborts one of them to break a deadlock or a serialization
    /// conflict, nothing was committed, so the claim is simply tried again.
    private async Task<T> RetryTransientAsync<T>(Func<Task<T>> claim)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await claim();
            }
            catch (Exception ex) when (attempt < 4 && DbErrors.IsRetryable(ex))
            {
                db.ChangeTracker.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt));
            }
        }
    }

    /// Without <paramref name="activeRuns"/> only what needs no exact count: enabled, and not paused.
    private void CheckAgent(Agent agent, int? activeRuns)
    {
        if (!agent.Enabled)
        {
            throw ProblemException.Forbidden($"Agent {agent.Name} is disabled.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (agent.ClaimsPausedUntil > now)
        {
            throw ProviderLimit.Paused(agent, now);
        }

        if (activeRuns >= agent.MaxConcurrentRuns)
        {
            throw CapReached($"Agent {agent.Name} already holds {activeRuns} of its {agent.MaxConcurrentRuns} concurrent runs; finish or release one first.", "agent");
        }
    }

    private async Task<bool> AnyCandidateAsync(Agent agent, string? projectId, BlockedScopes? blocked, CancellationToken ct) =>
        (await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, blocked, ct)).Count > 0;

    /// Scopes whose `stop` budget is spent. When they hold all the work this agent could take, the claim is
    /// refused with a problem naming the budget rather than answered with an empty queue.
    private async Task<BlockedScopes?> BlockedAsync(AgentState state, string? projectId, CancellationToken ct)
    {
        var agent = state.Agent;
        if (!state.AnyStopBudget && agent.MaxCostPerWorkItemMicros is null)
        {
            return null;
        }

        var blocked = await budgets.BlockedScopesAsync(agent.Id, agent.MaxCostPerWorkItemMicros, ct);
        var any = blocked.Tenant || blocked.ProjectIds.Count > 0 || blocked.AgentIds.Count > 0 || blocked.WorkItemIds.Count > 0 || blocked.AgentWorkItems.Count > 0;
        if (!any)
        {
            return null;
        }

        var next = await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, null, ct);
        if (next.Count == 0)
        {
            return blocked;
        }

        var nextId = next[0];
        var item = await db.WorkItems.AsNoTracking().Where(w => w.Id == nextId).Select(w => new { w.Id, w.ProjectId }).SingleAsync(ct);
        if (blocked.Tenant || blocked.AgentIds.Contains(agent.Id))
        {
            throw (await budgets.FindBlockingBudgetAsync(agent.Id, item.ProjectId, item.Id, ct))?.ToProblem("Claim refused")
                  ?? throw new InvalidOperationException("A blocked scope without a blocking budget.");
        }

        if (blocked.Blocks(agent.Id, item.ProjectId, item.Id)
            && (await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, blocked, ct)).Count == 0
            && await budgets.FindBlockingBudgetAsync(agent.Id, item.ProjectId, item.Id, ct) is { } block)
        {
            throw block.ToProblem("Claim refused");
        }

        return blocked;
    }

    private Task<List<string>> SelectCandidatesAsync(Agent agent, string? projectId, int limit, bool lockRows, BlockedScopes? blocked, CancellationToken ct,
        CapRoom? caps = null)
    {
        if (limit <= 0)
        {
            return Task.FromResult(new List<string>());
        }

        var items = blocked is null ? null : blocked.WorkItemIds.Concat(blocked.AgentWorkItems.Where(p => p.AgentId == agent.Id).Select(p => p.WorkItemId)).ToHashSet();
        IReadOnlyCollection<string>? projects = caps is not { Full.Count: > 0 } ? blocked?.ProjectIds : caps.Full.Keys.Union(blocked?.ProjectIds ?? Enumerable.Empty<string>()).ToList();
        return ClaimStatements.CandidatesAsync(db, context.RequireTenant(), agent, projectId, limit, lockRows, projects, items,
            caps is { Left.Count: > 0 } && limit > 1 ? new Dictionary<string, int>(caps.Left) : null, ct);
    }

    /// Leases the picked items with one UPDATE that re-checks their status (an item taken meanwhile is skipped), then
    /// writes the runs and the audit rows of the whole batch.
    private async Task<List<Lease>> LeaseAsync(Agent agent, List<string> ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = RunService.LeaseUntil(now, agent, now);
        var tenant = context.RequireTenant();
        var leases = new List<Lease>(ids.Count);
        if (ids.Count == 0)
        {
            return leases;
        }

        var runs = ids.ToDictionary(id => id, _ => (RunId: Ids.New(), Token: Secrets.NewToken("lease")));
        var claimedNow = await ClaimStatements.LeaseAsync(db, tenant, ids, runs, expires, now, ct);

        // In the order picked: the best item first.
        var audit = new DirectAudit.Batch(db, now);
        foreach (var id in ids.Where(claimedNow.ContainsKey))
        {
            var (attempt, projectId, key) = claimedNow[id];
            var (runId, token) = runs[id];
            var item = new WorkItem { Id = id, ProjectId = projectId, Key = key, Title = "", Status = WorkStatus.Ready };
            audit.Add("work_item", "claimed", id, ClaimStatements.Leased.Apply(item, null, WorkStatus.Claimed, runId, attempt, token, expires, now), id, projectId, key)
                .Add("run", "created", runId, new DirectAudit.Changes()
                    .Added("agent_id", agent.Id).Added("attempt", attempt).Added("cost_micros", 0L).Added("started_at", now)
                    .Added("status", RunStatus.Active).Added("work_item_id", id), id, projectId, key);
            leases.Add(new Lease(runId, attempt, token, expires) { WorkItemId = id });
        }

        if (leases.Count == 0)
        {
            return leases;
        }

        await ClaimStatements.InsertRunsAsync(db, tenant, agent.Id, leases, expires, now, ct);
        await audit.WriteAsync(ct);
        return leases;
    }
}
