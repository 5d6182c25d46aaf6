using System.Globalization;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Automation;

/// Runs rules after the changes they react to have committed. Two steps, both safe with several Bosun processes:
/// reading: each enabled rule reads the committed stream from its cursor and writes one pending row per action for each
/// event it matches (the rule's row is locked; the rows' key is rule + event + action, so an event is never taken twice);
/// running: each pending row is claimed by a conditional update, then its action runs in a transaction that also marks it
/// done, so a crash or a second process never repeats it. Transient failures are retried with backoff.
///
/// Loops: an action's changes carry the depth of the event it acted on plus one, and an event of depth
/// <see cref="MaxDepth"/> or more starts no action (its rows are recorded as skipped).
public sealed class RuleEngine(IServiceScopeFactory scopes, TimeProvider clock, StreamSequencer sequencer, WebhookTransport transport, ILogger<RuleEngine> logger)
{
    public const int MaxDepth = 5;
    public const int MaxAttempts = 5;
    private const int ReadBatch = 200;
    private const int RunBatch = 50;
    private static readonly TimeSpan InFlightLease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// Reads and runs until nothing more is due, so a chain of rules finishes in one call. Returns the actions finished.
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var finished = 0;
        for (var round = 0; round < 4 * MaxDepth; round++)
        {
            var read = await ReadEventsAsync(ct);
            var ran = 0;
            int batch;
            do
            {
                batch = await RunDueAsync(ct);
                ran += batch;
            }
            while (batch >= RunBatch);

            finished += ran;
            if (read == 0 && ran == 0)
            {
                break;
            }
        }

        return finished;
    }

    public static TimeSpan Backoff(int attempt) => TimeSpan.FromTicks(FirstRetry.Ticks * (1L << Math.Min(attempt - 1, 10)));

    /// Turns new events into pending action rows. Returns the rows written.
    public async Task<int> ReadEventsAsync(CancellationToken ct)
    {
        await sequencer.CatchUpAllAsync(ct);
        List<(string TenantId, string Id)> behind;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            behind = (await db.Set<Rule>().IgnoreQueryFilters().AsNoTracking()
                    .Where(r => r.Enabled && r.Event != RuleEvents.Inbound
                                && db.Set<StreamHead>().IgnoreQueryFilters().Any(h => h.TenantId == r.TenantId && h.LastSeq > r.CursorSeq))
                    .Select(r => new { r.TenantId, r.Id }).ToListAsync(ct))
                .Select(r => (r.TenantId, r.Id)).ToList();
        }

        var written = 0;
        foreach (var (tenantId, ruleId) in behind)
        {
            int read;
            do
            {
                (read, var rows) = await ReadOneAsync(tenantId, ruleId, ct);
                written += rows;
            }
            while (read == ReadBatch);
        }

        return written;
    }

    private async Task<(int Read, int Rows)> ReadOneAsync(string tenantId, string ruleId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(async c =>
        {
            await RowLock.LockAsync(db, "rules", ruleId, c);
            var rule = await db.Set<Rule>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId && r.Enabled, c);
            if (rule is null)
            {
                return (0, 0);
            }

            var events = await db.Set<StreamEvent>().AsNoTracking().Where(e => e.Seq > rule.CursorSeq)
                .OrderBy(e => e.Seq).Take(ReadBatch).ToListAsync(c);
            if (events.Count == 0)
            {
                return (0, 0);
            }

            var candidates = events.Where(e => RuleEvents.TypeMatches(rule.Event, e) && (rule.ProjectId is null || e.ProjectId == rule.ProjectId)).ToList();
            var itemIds = candidates.Select(e => e.WorkItemId).OfType<string>().Distinct().ToList();
            var items = await db.WorkItems.AsNoTracking().Where(w => itemIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, c);
            var labels = (await db.WorkItemLabels.AsNoTracking().Where(l => itemIds.Contains(l.WorkItemId)).ToListAsync(c))
                .GroupBy(l => l.WorkItemId).ToDictionary(g => g.Key, g => g.Select(l => l.Label).Order().ToList());
            var actions = RuleActionTypes.Read(rule.ActionsJson);
            var now = Now;
            var rows = 0;

            // The cursor moves in the same transaction as the rows, so an event is met once; rows found anyway (a cursor
            // moved back by hand) are left as they are, never made twice.
            var sources = candidates.Select(e => $"event:{e.Seq.ToString(CultureInfo.InvariantCulture)}").ToList();
            var seen = (await db.Set<RuleActionRecord>().AsNoTracking().Where(a => a.RuleId == rule.Id && sources.Contains(a.Source))
                .Select(a => a.Source).Distinct().ToListAsync(c)).ToHashSet(StringComparer.Ordinal);
            foreach (var e in candidates.Where(e => !seen.Contains($"event:{e.Seq.ToString(CultureInfo.InvariantCulture)}")))
            {
                var item = e.WorkItemId is { } id ? items.GetValueOrDefault(id) : null;
                var itemLabels = e.WorkItemId is { } lid ? labels.GetValueOrDefault(lid) ?? [] : [];
                var (before, after) = RuleEvents.Status(e.ChangesJson);
                if ((rule.ItemType is not null && item?.Type != rule.ItemType)
                    || (rule.Label is not null && !itemLabels.Contains(rule.Label))
                    || (rule.FromStatus is not null && before != rule.FromStatus)
                    || (rule.ToStatus is not null && after != rule.ToStatus))
                {
                    continue;
                }

                var variables = RuleVariables.Write(RuleVariables.Of(e, item, itemLabels));
                var tooDeep = e.Depth >= MaxDepth;
                for (var i = 0; i < actions.Count; i++)
                {
                    db.Set<RuleActionRecord>().Add(new RuleActionRecord
                    {
                        RuleId = rule.Id,
                        Source = $"event:{e.Seq.ToString(CultureInfo.InvariantCulture)}",
                        EventSeq = e.Seq,
                        EventType = e.Type,
                        ActionIndex = i,
                        ActionType = actions[i].Type ?? "",
                        Depth = e.Depth + 1,
                        VariablesJson = variables,
                        Status = tooDeep ? RuleActionStatus.Skipped : RuleActionStatus.Pending,
                        NextAttemptAt = tooDeep ? null : now,
                        Error = tooDeep ? $"Not run: the event is {e.Depth} rule actions deep, and rules stop at {MaxDepth} so they cannot loop." : null,
                        CreatedAt = now,
                        FinishedAt = tooDeep ? now : null,
                    });
                    rows++;
                }
            }

            var last = events[^1].Seq;
            await db.Set<Rule>().Where(r => r.Id == rule.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.CursorSeq, last), c);
            await db.SaveChangesAsync(c);
            return (events.Count, rows);
        }, write: true, ct);
    }

    /// Runs the pending actions that are due. Returns the actions claimed.
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        var now = Now;
        List<string> tenants;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            tenants = await db.Set<RuleActionRecord>().IgnoreQueryFilters().AsNoTracking()
                .Where(a => a.Status == RuleActionStatus.Pending && a.NextAttemptAt <= now)
                .GroupBy(a => a.TenantId)
                .OrderBy(g => g.Min(a => a.NextAttemptAt))
                .Select(g => g.Key).Take(100).ToListAsync(ct);
        }

        var claimed = 0;
        foreach (var tenantId in tenants)
        {
            claimed += await RunTenantAsync(tenantId, ct);
        }

        return claimed;
    }

    private sealed record Claimed(RuleActionRecord Row, Rule Rule, int Attempt);

    private async Task<int> RunTenantAsync(string tenantId, CancellationToken ct)
    {
        List<Claimed> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();

            // Claimed first, in a short transaction: pushing the next attempt out keeps other processes off these rows
            // while they run; a process that dies mid-run leaves them to be tried again when the push runs out.
            claimed = await db.InTransactionAsync(async c =>
            {
                var now = Now;
                var due = await db.Set<RuleActionRecord>().AsNoTracking()
                    .Where(a => a.Status == RuleActionStatus.Pending && a.NextAttemptAt <= now)
                    .OrderBy(a => a.NextAttemptAt).ThenBy(a => a.EventSeq).ThenBy(a => a.Id).ThenBy(a => a.ActionIndex)
                    .Take(RunBatch).ToListAsync(c);
                var ruleIds = due.Select(a => a.RuleId).Distinct().ToList();
                var rules = await db.Set<Rule>().AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, c);
                var mine = new List<Claimed>();
                foreach (var a in due)
                {
                    var taken = await db.Set<RuleActionRecord>()
                        .Where(x => x.Id == a.Id && x.Status == RuleActionStatus.Pending && x.Attempts == a.Attempts)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.Attempts, x => x.Attempts + 1).SetProperty(x => x.NextAttemptAt, now + InFlightLease), c);
                    if (taken == 1)
                    {
                        mine.Add(new Claimed(a, rules[a.RuleId], a.Attempts + 1));
                    }
                }

                return mine;
            }, write: true, ct);
        }

        // In order: a later action of an event may rely on what an earlier one made.
        foreach (var claim in claimed)
        {
            await RunClaimedAsync(tenantId, claim, ct);
        }

        return claimed.Count;
    }

    private async Task RunClaimedAsync(string tenantId, Claimed claim, CancellationToken ct)
    {
        var row = claim.Row;
        var actions = RuleActionTypes.Read(claim.Rule.ActionsJson);
        if (!claim.Rule.Enabled || row.ActionIndex >= actions.Count)
        {
            await FinishAsync(tenantId, claim, RuleActionStatus.Skipped, null, "The rule was disabled or changed before the action ran.", ct);
            return;
        }

        var action = actions[row.ActionIndex];
        var vars = RuleVariables.Read(row.VariablesJson);
        try
        {
            if (action.Type == RuleActionTypes.CallWebhook)
            {
                // Sent outside any transaction, like webhook deliveries; a crash after the send and before the mark can send
                // it again, so the receiver dedupes by the Bosun-Delivery header (the action row's id).
                var result = await CallWebhookAsync(tenantId, claim, action, vars, ct);
                await FinishAsync(tenantId, claim, RuleActionStatus.Done, result, null, ct);
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
            context.EnterTenant(tenantId, ActorOf(claim.Rule));
            context.CauseDepth = row.Depth;
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var runner = scope.ServiceProvider.GetRequiredService<RuleActionRunner>();
            await db.InTransactionAsync(async c =>
            {
                var result = await runner.RunAsync(action, vars, c);
                var now = Now;
                var marked = await db.Set<RuleActionRecord>()
                    .Where(x => x.Id == row.Id && x.Status == RuleActionStatus.Pending && x.Attempts == claim.Attempt)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Status, RuleActionStatus.Done)
                        .SetProperty(x => x.ResultJson, JsonSerializer.Serialize(result, RuleJson.Options))
                        .SetProperty(x => x.Error, (string?)null)
                        .SetProperty(x => x.NextAttemptAt, (DateTime?)null)
                        .SetProperty(x => x.FinishedAt, now), c);
                if (marked != 1)
                {
                    // Another process took the row over after this claim ran out: roll back, it runs there.
                    throw new ClaimLostException();
                }
            }, write: true, ct);
        }
        catch (ClaimLostException)
        {
        }
        catch (ProblemException problem) when (problem.Status is not (409 or 429 or 503))
        {
            var errors = problem.Errors.Count > 0 ? ": " + string.Join("; ", problem.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) : "";
            await FinishAsync(tenantId, claim, RuleActionStatus.Failed, null, $"{problem.Detail ?? problem.Title}{errors}", ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogInformation("Rule {RuleId} action {ActionId} attempt {Attempt} failed: {Error}", claim.Rule.Id, row.Id, claim.Attempt, ex.Message);
            var giveUp = claim.Attempt >= MaxAttempts;
            await FinishAsync(tenantId, claim, giveUp ? RuleActionStatus.Failed : RuleActionStatus.Pending, null, Cap(ex.Message), ct);
        }
    }

    private sealed class ClaimLostException : Exception;

    public static Actor ActorOf(Rule rule)
    {
        var name = $"rule {rule.Name}";
        return new Actor(ActorType.Rule, rule.Id, name.Length > 200 ? name[..200] : name);
    }

    private async Task FinishAsync(string tenantId, Claimed claim, RuleActionStatus status, object? result, string? error, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var now = Now;
        DateTime? next = status == RuleActionStatus.Pending ? now + Backoff(claim.Attempt) : null;
        DateTime? finished = status == RuleActionStatus.Pending ? null : now;
        var json = result is null ? null : JsonSerializer.Serialize(result, RuleJson.Options);
        await db.InTransactionAsync(c => db.Set<RuleActionRecord>()
            .Where(x => x.Id == claim.Row.Id && x.Status == RuleActionStatus.Pending && x.Attempts == claim.Attempt)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, status)
                .SetProperty(x => x.NextAttemptAt, next)
                .SetProperty(x => x.FinishedAt, finished)
                .SetProperty(x => x.ResultJson, json)
                .SetProperty(x => x.Error, error), c), write: true, ct);
    }

    private async Task<object> CallWebhookAsync(string tenantId, Claimed claim, RuleActionSpec action, IReadOnlyDictionary<string, JsonElement> vars, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, ActorOf(claim.Rule));
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var secrets = scope.ServiceProvider.GetRequiredService<SecretBox>();
        var webhookId = RuleVariables.Render(action.Webhook, vars);
        var webhook = await db.InTransactionAsync(c => db.Set<Webhook>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == webhookId, c), write: false, ct)
                      ?? throw ProblemException.Invalid("webhook", "no such webhook");
        var secret = secrets.Open(webhook.SecretSealed, WebhookService.Purpose(webhook.TenantId, webhook.Id));
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = claim.Row.Id,
            ["type"] = "rule.action",
            ["tenant_id"] = tenantId,
            ["rule_id"] = claim.Rule.Id,
            ["rule_name"] = claim.Rule.Name,
            ["event_type"] = claim.Row.EventType,
            ["event_id"] = claim.Row.EventSeq,
            ["data"] = RuleVariables.Render(action.Input, vars),
            ["variables"] = vars,
        });
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.UserAgent.ParseAdd("Bosun-Webhooks/1");
        request.Headers.Add(WebhookDispatcher.EventHeader, "rule.action");
        request.Headers.Add(WebhookDispatcher.DeliveryHeader, claim.Row.Id);
        request.Headers.Add(WebhookDispatcher.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookDispatcher.SignatureHeader, WebhookDispatcher.Sign(secret, timestamp, body));
        using var response = await transport.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var status = (int)response.StatusCode;
        return status is >= 200 and < 300
            ? new { webhook_id = webhook.Id, status }
            : throw new HttpRequestException($"HTTP {status} from the webhook");
    }

    /// Removes finished action rows after 30 days and inbound signatures once their time window is long past.
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var finished = Now - TimeSpan.FromDays(30);
        var rows = await db.Set<RuleActionRecord>().IgnoreQueryFilters()
            .Where(a => a.Status != RuleActionStatus.Pending && a.CreatedAt < finished).ExecuteDeleteAsync(ct);
        var seen = Now - 4 * InboundTriggerService.Window;
        rows += await db.Set<InboundCall>().IgnoreQueryFilters().Where(x => x.ReceivedAt < seen).ExecuteDeleteAsync(ct);
        return rows;
    }

    private static string Cap(string text) => text.Length <= 2000 ? text : text[..2000];
}
