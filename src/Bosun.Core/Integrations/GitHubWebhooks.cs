using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Octokit.Webhooks.Events;

namespace Bosun.Core.Integrations;

/// What an inbound delivery came to: the HTTP status to answer and a short account of it.
public sealed record GitHubDeliveryResult(int Status, string Delivery, string Event, string Outcome, IReadOnlyList<string> WorkItems, bool Duplicate);

/// Inbound GitHub webhooks. A delivery is taken only when its signature matches the integration's secret; it then acts
/// in the integration's tenant, as the integration, on items of the projects the integration covers. Each delivery id is
/// acted on once: a redelivery is answered as a duplicate and changes nothing.
public sealed class GitHubWebhooks(BosunDb db, RequestContext context, TimeProvider clock, SecretBox secrets, WorkSignal signal, ILogger<GitHubWebhooks> logger)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<GitHubDeliveryResult> ReceiveAsync(string integrationId, string? eventName, string? deliveryId, string? signature, byte[] body, CancellationToken ct)
    {
        // The one lookup before a tenant is known: the integration's id decides it, the signature proves the sender.
        var integration = integrationId.Length is > 0 and <= 26
            ? await db.Set<GitHubIntegration>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(g => g.Id == integrationId, ct)
            : null;
        if (integration is null)
        {
            throw ProblemException.NotFound("GitHub integration");
        }

        var secret = secrets.Open(integration.SecretSealed, GitHubService.Purpose(integration.TenantId, integration.Id));
        if (!GitHubPayloads.SignatureMatches(secret, body, signature))
        {
            logger.LogWarning("GitHub delivery for integration {Integration} refused: {Reason}", integration.Id,
                signature is null ? "no X-Hub-Signature-256 header" : "the signature does not match");
            throw new ProblemException(401, "Unauthorized",
                "X-Hub-Signature-256 must be sha256= and the HMAC-SHA256 of the body under the integration's webhook secret.", "/problems/unauthorized");
        }

        var problem = new ValidationProblem();
        var delivery = Check.Text(problem, "X-GitHub-Delivery", deliveryId, 100, required: true);
        var name = Check.Text(problem, "X-GitHub-Event", eventName, 50, required: true);
        problem.ThrowIfAny();

        var repositories = GitHubService.SplitRepositories(integration.Repositories);
        context.EnterTenant(integration.TenantId, new Actor(ActorType.Integration, integration.Id, $"GitHub {repositories.FirstOrDefault()}"));
        GitHubDeliveryResult result;
        try
        {
            result = await db.InTransactionAsync(c => HandleAsync(integration, repositories, name!, delivery!, body, c), write: true, ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // The same delivery (or one about the same pull request) committed meanwhile: once more, on top of it.
            db.ChangeTracker.Clear();
            result = await db.InTransactionAsync(c => HandleAsync(integration, repositories, name!, delivery!, body, c), write: true, ct);
        }

        logger.LogInformation("GitHub delivery {Delivery} ({Event}) for integration {Integration}: {Outcome}", delivery, name, integration.Id, result.Outcome);
        return result;
    }

    private async Task<GitHubDeliveryResult> HandleAsync(
        GitHubIntegration integration, IReadOnlyList<string> repositories, string name, string delivery, byte[] body, CancellationToken ct)
    {
        if (await db.Set<GitHubDelivery>().AsNoTracking().AnyAsync(d => d.IntegrationId == integration.Id && d.DeliveryId == delivery, ct))
        {
            return new GitHubDeliveryResult(200, delivery, name, "already received; nothing done again", [], true);
        }

        // Written first: a concurrent copy of this delivery waits on its key and then finds it.
        var row = new GitHubDelivery { IntegrationId = integration.Id, DeliveryId = delivery, Event = name, Outcome = "", ReceivedAt = Now };
        db.Set<GitHubDelivery>().Add(row);
        await db.SaveChangesAsync(ct);

        var (status, outcome, items) = await ActAsync(integration, repositories, name, body, row, ct);
        row.Outcome = GitHubPayloads.Clip(outcome, 1000)!;
        await db.SaveChangesAsync(ct);
        await db.Set<GitHubIntegration>().Where(g => g.Id == integration.Id).ExecuteUpdateAsync(s => s.SetProperty(g => g.LastDeliveryAt, row.ReceivedAt), ct);
        return new GitHubDeliveryResult(status, delivery, name, outcome, items, false);
    }

    private async Task<(int Status, string Outcome, IReadOnlyList<string> Items)> ActAsync(
        GitHubIntegration integration, IReadOnlyList<string> repositories, string name, byte[] body, GitHubDelivery row, CancellationToken ct)
    {
        if (!GitHubPayloads.Events.Contains(name))
        {
            return (202, $"ignored: Bosun does not act on '{name}' events", []);
        }

        if (name == "ping")
        {
            var ping = GitHubPayloads.Read<PingEvent>(body);
            row.Repository = ping.Repository?.FullName;
            return (200, "pong", []);
        }

        var payload = name switch
        {
            "pull_request" => (Octokit.Webhooks.WebhookEvent)GitHubPayloads.Read<PullRequestEvent>(body),
            "check_run" => GitHubPayloads.Read<CheckRunEvent>(body),
            "check_suite" => GitHubPayloads.Read<CheckSuiteEvent>(body),
            _ => GitHubPayloads.Read<StatusEvent>(body),
        };
        var repository = payload.Repository?.FullName?.ToLowerInvariant();
        row.Action = GitHubPayloads.Clip(payload.Action, 50);
        row.Repository = GitHubPayloads.Clip(repository, 200);
        if (repository is null)
        {
            throw ProblemException.Invalid("repository.full_name", "is required");
        }

        if (!repositories.Contains(repository))
        {
            return (202, $"ignored: {repository} is not one of this integration's repositories", []);
        }

        return payload switch
        {
            PullRequestEvent pr => await PullRequestAsync(integration, repository, pr, ct),
            CheckRunEvent run => await CheckAsync(integration, repository, run.CheckRun?.HeadSha, run.CheckRun?.Name,
                GitHubPayloads.FromCheck(run.CheckRun?.Status?.StringValue, run.CheckRun?.Conclusion?.StringValue),
                run.CheckRun?.HtmlUrl ?? run.CheckRun?.DetailsUrl, Summary(run.CheckRun?.Output?.Title, run.CheckRun?.Output?.Summary), "check_run", ct),
            CheckSuiteEvent suite => await CheckAsync(integration, repository, suite.CheckSuite?.HeadSha,
                suite.CheckSuite?.App?.Name ?? suite.CheckSuite?.App?.Slug ?? "check suite",
                GitHubPayloads.FromCheck(suite.CheckSuite?.Status?.StringValue, suite.CheckSuite?.Conclusion?.StringValue), null, null, "check_suite", ct),
            StatusEvent status => await CheckAsync(integration, repository, status.Sha, status.Context,
                GitHubPayloads.FromStatus(status.State?.StringValue), status.TargetUrl, status.Description, "status", ct),
            _ => (202, "ignored", []),
        };
    }

    private static string? Summary(string? title, string? summary) =>
        (title, summary) switch
        {
            ({ Length: > 0 }, { Length: > 0 }) => $"{title}: {summary}",
            ({ Length: > 0 }, _) => title,
            _ => summary,
        };

    /// A pull request naming item keys becomes (or stays) each named item's candidate; every candidate it already is
    /// follows its state, even once its text no longer names the item.
    private async Task<(int, string, IReadOnlyList<string>)> PullRequestAsync(GitHubIntegration integration, string repository, PullRequestEvent payload, CancellationToken ct)
    {
        var pr = payload.PullRequest ?? throw ProblemException.Invalid("pull_request", "is required");
        if (pr.Head?.Sha is not { Length: > 0 } headSha)
        {
            throw ProblemException.Invalid("pull_request.head.sha", "is required");
        }

        var number = pr.Number != 0 ? pr.Number : payload.Number;
        var keys = GitHubPayloads.Keys(pr.Head.Ref, pr.Title, pr.Body);
        var named = keys.Count == 0 ? [] : await ItemsNamedAsync(integration, keys, ct);
        var candidates = await db.Set<GitHubPullRequest>().Where(p => p.Repository == repository && p.Number == number).ToListAsync(ct);
        if (integration.ProjectId is { } scope)
        {
            candidates = candidates.Where(p => p.ProjectId == scope).ToList();
        }

        foreach (var item in named.Where(i => candidates.All(c => c.WorkItemId != i.Id)))
        {
            var candidate = new GitHubPullRequest
            {
                WorkItemId = item.Id, ProjectId = item.ProjectId, Repository = repository, Number = number, Title = "", HeadSha = headSha,
            };
            db.Set<GitHubPullRequest>().Add(candidate);
            candidates.Add(candidate);
        }

        if (candidates.Count == 0)
        {
            return (200, keys.Count == 0 ? "no work item key in the branch, title or body" : $"no work item {string.Join(", ", keys)} here", []);
        }

        var state = pr.Merged == true || pr.MergedAt is not null ? PullRequestState.Merged
            : pr.State?.StringValue == "closed" ? PullRequestState.Closed : PullRequestState.Open;
        var now = Now;
        var itemIds = candidates.Select(c => c.WorkItemId).ToList();
        var items = await db.WorkItems.Where(w => itemIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, ct);
        var moved = new List<string>();
        foreach (var candidate in candidates)
        {
            var added = db.Entry(candidate).State == EntityState.Added;
            var changes = new Dictionary<string, object?>();
            void Set<T>(string field, T before, T after, Action<T> apply)
            {
                if (added || !EqualityComparer<T>.Default.Equals(before, after))
                {
                    changes[field] = added ? new { after } : new { before, after };
                    apply(after);
                }
            }

            var wasMerged = candidate.State == PullRequestState.Merged && !added;
            Set("title", candidate.Title, GitHubPayloads.Clip(pr.Title, 1000) ?? "", v => candidate.Title = v);
            Set("state", candidate.State.Snake(), state.Snake(), _ => candidate.State = state);
            Set("draft", candidate.Draft, pr.Draft, v => candidate.Draft = v);
            Set("head_sha", candidate.HeadSha, GitHubPayloads.Clip(headSha, 64)!, v => candidate.HeadSha = v);
            Set("head_branch", candidate.HeadBranch, GitHubPayloads.Clip(pr.Head.Ref, 300), v => candidate.HeadBranch = v);
            Set("base_branch", candidate.BaseBranch, GitHubPayloads.Clip(pr.Base?.Ref, 300), v => candidate.BaseBranch = v);
            Set("url", candidate.Url, GitHubPayloads.Clip(pr.HtmlUrl, 2000), v => candidate.Url = v);
            Set("author", candidate.Author, GitHubPayloads.Clip(pr.User?.Login, 200), v => candidate.Author = v);
            Set("merged_at", candidate.MergedAt, pr.MergedAt?.UtcDateTime, v => candidate.MergedAt = v);
            if (changes.Count == 0)
            {
                continue;
            }

            candidate.UpdatedAt = now;
            AuditLog.Record(db, added ? "github_pull_request.created" : "github_pull_request.updated", "github_pull_request", candidate.Id,
                Identify(changes, candidate, payload.Action), now);
            if (state == PullRequestState.Merged && !wasMerged && integration.DoneOnMerge && items.TryGetValue(candidate.WorkItemId, out var merged)
                && await MergedIntoDoneAsync(merged, candidate, now, ct))
            {
                moved.Add(merged.Key);
            }
        }

        await db.SaveChangesAsync(ct);
        if (moved.Count > 0)
        {
            signal.Pulse();
        }

        var linked = candidates.Select(c => items.TryGetValue(c.WorkItemId, out var i) ? i.Key : c.WorkItemId).Distinct().ToList();
        return (200, $"pull request #{number} {state.Snake()} for {string.Join(", ", linked)}{(moved.Count > 0 ? $"; {string.Join(", ", moved)} done on merge" : "")}", linked);
    }

    /// "Move the item to done when its pull request merges": an item nobody holds and nobody is deciding on becomes done.
    private async Task<bool> MergedIntoDoneAsync(WorkItem item, GitHubPullRequest candidate, DateTime now, CancellationToken ct)
    {
        await RowLock.LockAsync(db, "work_items", item.Id, ct);
        await db.Entry(item).ReloadAsync(ct);
        if (item.Status is WorkStatus.Done or WorkStatus.Cancelled or WorkStatus.Claimed or WorkStatus.InProgress or WorkStatus.AwaitingApproval)
        {
            return false;
        }

        item.Status = WorkStatus.Done;
        item.CompletedAt = now;
        item.RevisionNotes = null;
        AuditLog.Record(db, "work_item.done_on_merge", "work_item", item.Id, new
        {
            pull_request_id = new { after = candidate.Id },
            repository = new { after = candidate.Repository },
            number = new { after = candidate.Number },
        }, now);
        await ItemClosing.FinishedAsync(db, item, now, ct);
        return true;
    }

    /// A check GitHub reported for a commit: a check row of every item whose candidate has that head, and the quality
    /// gate of each such item looked at again.
    private async Task<(int, string, IReadOnlyList<string>)> CheckAsync(
        GitHubIntegration integration, string repository, string? headSha, string? name, CheckStatus status, string? url, string? summary, string kind,
        CancellationToken ct)
    {
        if (headSha is not { Length: > 0 })
        {
            throw ProblemException.Invalid(kind == "status" ? "sha" : $"{kind}.head_sha", "is required");
        }

        if (GitHubPayloads.Clip(name, 200) is not { Length: > 0 } checkName)
        {
            throw ProblemException.Invalid(kind == "status" ? "context" : $"{kind}.name", "is required");
        }

        var query = db.Set<GitHubPullRequest>().AsNoTracking().Where(p => p.Repository == repository && p.HeadSha == headSha);
        if (integration.ProjectId is { } scope)
        {
            query = query.Where(p => p.ProjectId == scope);
        }

        var candidates = await query.ToListAsync(ct);
        if (candidates.Count == 0)
        {
            return (200, $"{checkName} {status.Snake()}: no pull request of a work item has head {headSha[..Math.Min(12, headSha.Length)]}", []);
        }

        var now = Now;
        var ids = candidates.Select(c => c.Id).ToList();
        var rows = await db.RunChecks.Where(c => c.PullRequestId != null && ids.Contains(c.PullRequestId) && c.HeadSha == headSha && c.Name == checkName)
            .ToListAsync(ct);
        url = GitHubPayloads.Clip(url, 2000);
        summary = GitHubPayloads.Clip(summary, 4000);
        foreach (var candidate in candidates)
        {
            var check = rows.FirstOrDefault(r => r.PullRequestId == candidate.Id);
            string? before = null;
            if (check is null)
            {
                check = new RunCheck
                {
                    Source = CheckSource.Github, PullRequestId = candidate.Id, HeadSha = headSha, WorkItemId = candidate.WorkItemId,
                    ProjectId = candidate.ProjectId, Name = checkName, Status = status, Url = url, Summary = summary, CreatedAt = now,
                };
                db.RunChecks.Add(check);
            }
            else if (check.Status != status || check.Url != url || check.Summary != summary)
            {
                before = check.Status.Snake();
                check.Status = status;
                check.Url = url;
                check.Summary = summary;
                check.UpdatedAt = now;
            }
            else
            {
                continue;
            }

            AuditLog.Record(db, before is null ? "github_check.created" : "github_check.updated", "github_check", check.Id, new
            {
                work_item_id = new { after = candidate.WorkItemId },
                pull_request_id = new { after = candidate.Id },
                repository = new { after = repository },
                number = new { after = candidate.Number },
                head_sha = new { after = headSha },
                name = new { after = checkName },
                status = before is null ? (object)new { after = status.Snake() } : new { before, after = status.Snake() },
                url = new { after = url },
            }, now);
        }

        await db.SaveChangesAsync(ct);
        var released = new List<string>();
        foreach (var itemId in candidates.Select(c => c.WorkItemId).Distinct())
        {
            if (await ReleaseIfPassingAsync(itemId, now, ct) is { } key)
            {
                released.Add(key);
            }
        }

        var keys = await db.WorkItems.AsNoTracking().Where(w => candidates.Select(c => c.WorkItemId).Contains(w.Id)).Select(w => w.Key).ToListAsync(ct);
        return (200, $"{checkName} {status.Snake()} for {string.Join(", ", keys)}{(released.Count > 0 ? $"; checks now pass for {string.Join(", ", released)}" : "")}", keys);
    }

    /// An item the quality gate blocked whose checks now pass, counting what GitHub reported for its open or merged pull
    /// requests' heads over what its last run reported, is let go as its completion would have been had they passed
    /// then: done, or awaiting approval when it has the approval gate. Answers its key when it was let go.
    private async Task<string?> ReleaseIfPassingAsync(string itemId, DateTime now, CancellationToken ct)
    {
        await RowLock.LockAsync(db, "work_items", itemId, ct);
        var item = await db.WorkItems.FirstAsync(w => w.Id == itemId, ct);
        if (item.Status != WorkStatus.Blocked || item.RevisionNotes?.StartsWith(QualityGate.NotesHeading, StringComparison.Ordinal) != true)
        {
            return null;
        }

        var policy = await db.ProjectPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.ProjectId == item.ProjectId, ct);
        if (!QualityGate.Applies(policy))
        {
            return null;
        }

        var checks = await GateChecksAsync(item.Id, ct);
        if (QualityGate.Judge(policy, new CheckReport(checks, null)).Count > 0)
        {
            return null;
        }

        item.RevisionNotes = null;
        AuditLog.Record(db, "work_item.checks_passed", "work_item", item.Id,
            new { checks = new { after = checks.Select(c => new { name = c.Name, status = c.Status.Snake() }) } }, now);
        if (item.ApprovalRequired)
        {
            var run = await db.Runs.AsNoTracking().Where(r => r.WorkItemId == item.Id && r.Status == RunStatus.Completed).OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
            item.Status = WorkStatus.AwaitingApproval;
            db.Approvals.Add(new Approval
            {
                Kind = ApprovalKind.WorkOutput,
                Subject = GitHubPayloads.Clip($"Review {item.Key}: {item.Title}", 500)!,
                WorkItemId = item.Id,
                RunId = run?.Id,
                ProjectId = item.ProjectId,
                RequestedByRef = context.Actor.Ref,
                OutputJson = item.OutputJson,
                Summary = "GitHub reports the project's required checks passing.",
            });
        }
        else
        {
            item.Status = WorkStatus.Done;
            item.CompletedAt = now;
            await ItemClosing.FinishedAsync(db, item, now, ct);
            signal.Pulse();
        }

        await db.SaveChangesAsync(ct);
        return item.Key;
    }

    /// The checks the gate judges an item by: its last reporting run's, with GitHub's for the current heads of its open and
    /// merged pull requests in their place where the names are the same (the newest report of a name wins).
    private async Task<List<ReportedCheck>> GateChecksAsync(string itemId, CancellationToken ct)
    {
        var latestRun = db.RunChecks.Where(c => c.WorkItemId == itemId && c.RunId != null).OrderByDescending(c => c.Id).Select(c => c.RunId).Take(1);
        var fromRun = await db.RunChecks.AsNoTracking().Where(c => c.WorkItemId == itemId && latestRun.Contains(c.RunId)).OrderBy(c => c.Id).ToListAsync(ct);
        var fromGitHub = await (
            from c in db.RunChecks.AsNoTracking()
            join p in db.Set<GitHubPullRequest>() on c.PullRequestId equals p.Id
            where c.WorkItemId == itemId && p.State != PullRequestState.Closed && c.HeadSha == p.HeadSha
            select c).ToListAsync(ct);
        var checks = fromRun.Select(c => new ReportedCheck(c.Name, c.Status, c.Url, c.Summary)).ToList();
        foreach (var group in fromGitHub.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
        {
            var newest = group.OrderByDescending(c => c.UpdatedAt ?? c.CreatedAt).First();
            checks.RemoveAll(c => QualityGate.SameName(c.Name, newest.Name));
            checks.Add(new ReportedCheck(newest.Name, newest.Status, newest.Url, newest.Summary));
        }

        return checks;
    }

    private async Task<List<WorkItem>> ItemsNamedAsync(GitHubIntegration integration, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var query = db.WorkItems.AsNoTracking().Where(w => keys.Contains(w.Key));
        if (integration.ProjectId is { } scope)
        {
            query = query.Where(w => w.ProjectId == scope);
        }

        return await query.ToListAsync(ct);
    }

    private static Dictionary<string, object?> Identify(Dictionary<string, object?> changes, GitHubPullRequest candidate, string? action)
    {
        var all = new Dictionary<string, object?>
        {
            ["work_item_id"] = new { after = candidate.WorkItemId },
            ["repository"] = new { after = candidate.Repository },
            ["number"] = new { after = candidate.Number },
            ["action"] = new { after = action },
        };
        foreach (var (field, change) in changes)
        {
            all[field] = change;
        }

        all.TryAdd("state", new { after = candidate.State.Snake() });
        all.TryAdd("head_sha", new { after = candidate.HeadSha });
        return all;
    }
}
