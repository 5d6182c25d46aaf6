using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Stores chat sessions that `bosun import` parsed from coding agents' transcripts. Re-importing a session
/// replaces its messages and adds only the LLM calls not recorded before, so importing twice changes nothing.
public sealed class SessionImportService(BosunDb db, RequestContext context, LedgerService ledger, PriceService prices, MachineService machines)
{
    public const int MaxMessages = 50_000;
    private const int MaxMessageText = 20_000;

    public async Task<SessionImportResult> ImportAsync(SessionImport request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var source = request.Source ?? SessionSource.ClaudeCode;
        if (request.Source is null)
        {
            problem.Add("source", "is required");
        }

        var externalId = Check.Text(problem, "external_id", request.ExternalId, 200, required: true) ?? "";
        var messages = request.Messages ?? [];
        var calls = request.LlmCalls ?? [];
        if (messages.Count > MaxMessages)
        {
            problem.Add("messages", $"must hold at most {MaxMessages} messages");
        }

        if (calls.Count > MaxMessages)
        {
            problem.Add("llm_calls", $"must hold at most {MaxMessages} calls");
        }

        var storeText = await ledger.StoresPromptTextAsync(ct);
        var catalog = await prices.CatalogForAsync(calls.Select(c => (c.Provider ?? "", c.Model ?? "")), ct);
        var built = new List<LlmCall>(calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            var c = calls[i];
            var call = ledger.Build(new LlmCallRequest(
                c.Provider, c.Model, c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens, c.ReasoningTokens,
                null, null, null, null, null, null, null, c.BillingType ?? BillingType.Subscription, null, c.CalledAt,
                c.ExternalId is { Length: > 0 } id ? $"{source.Snake()}:{id}" : null), $"llm_calls[{i}].", problem, catalog, storeText);
            if (call.ExternalId is null)
            {
                problem.Add($"llm_calls[{i}].external_id", "is required so a re-import does not count the call twice");
            }

            built.Add(call);
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(messages[i].Role) || messages[i].Role!.Length > 20)
            {
                problem.Add($"messages[{i}].role", "is required (at most 20 characters)");
            }
        }

        var session = await db.Set<AgentSession>().FirstOrDefaultAsync(s => s.Source == source && s.ExternalId == externalId, ct);
        var created = session is null;
        session ??= new AgentSession { Source = source, ExternalId = externalId };
        session.Machine = Check.Text(problem, "machine", request.Machine, 200) ?? session.Machine;
        session.WorkspacePath = Check.Text(problem, "workspace_path", request.WorkspacePath, 1000) ?? session.WorkspacePath;
        session.GitBranch = Check.Text(problem, "git_branch", request.GitBranch, 200) ?? session.GitBranch;
        session.Model = Check.Text(problem, "model", request.Model, 200) ?? session.Model;
        session.Title = LedgerService.Cap(request.Title, 500) ?? session.Title;
        session.StartedAt = Check.Utc(request.StartedAt) ?? session.StartedAt;
        session.EndedAt = Check.Utc(request.EndedAt) ?? session.EndedAt;
        session.MessageCount = messages.Count;
        if (Check.Text(problem, "parent_external_id", request.ParentExternalId, 200) is { } parent)
        {
            session.ParentId = await db.Set<AgentSession>().Where(s => s.Source == source && s.ExternalId == parent).Select(s => s.Id).FirstOrDefaultAsync(ct)
                ?? throw ProblemException.Invalid("parent_external_id", "no imported session with this id; import the parent first");
        }

        problem.ThrowIfAny();

        // The machine and folder the transcript was written on become a machine and workspace of the tenant.
        if (session.Machine is { Length: > 0 } hostname)
        {
            var placed = await machines.CheckInAsync(new MachineCheckIn(null, hostname, null, null, null, null,
                session.WorkspacePath is { Length: > 0 } path ? new WorkspaceCheckIn(path, null, session.GitBranch, null) : null, null), ct);
            session.MachineId = placed.MachineId;
            session.WorkspaceId = placed.WorkspaceId;
        }

        if (created)
        {
            db.Add(session);
        }
        else
        {
            await db.Set<SessionMessage>().Where(m => m.SessionId == session.Id).ExecuteDeleteAsync(ct);
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var text = m.Text ?? "";
            db.Add(new SessionMessage
            {
                SessionId = session.Id,
                Seq = i,
                ExternalId = LedgerService.Cap(m.ExternalId, 100),
                Role = m.Role!.Trim().ToLowerInvariant(),
                Text = storeText && text.Length > 0 ? LedgerService.Cap(text, MaxMessageText) : null,
                TextLength = text.Length,
                ToolUsesJson = m.ToolUses is { Count: > 0 } uses
                    ? JsonSerializer.Serialize(uses.Select(u => new { name = u.Name, id = u.Id, input = storeText ? LedgerService.Cap(u.Input, LedgerService.SummaryLimit) : null }))
                    : null,
                Model = LedgerService.Cap(m.Model, 200),
                At = Check.Utc(m.At),
            });
        }

        await db.SaveChangesAsync(ct);
        var live = await SkipRecordedLiveAsync(source, externalId, built, ct);
        foreach (var call in built)
        {
            call.SessionId = session.Id;
        }

        var recorded = built.Count == 0 ? []
            : await RunOfAsync(session, ct) is { } run ? await ledger.RecordForRunAsync(run.Run, run.ProjectId, built, ct)
            : await ledger.RecordUnattachedAsync(built, ct);
        return new SessionImportResult(session.Id, created, messages.Count, recorded.Count, built.Count + live - recorded.Count);
    }

    /// The run a session (or the root session of a sub-agent) was linked to, whose calls its transcript's calls are.
    private async Task<(Run Run, string ProjectId)?> RunOfAsync(AgentSession session, CancellationToken ct)
    {
        var runId = session.RunId ?? (session.ParentId is { } parent
            ? await db.Set<AgentSession>().Where(s => s.Id == parent).Select(s => s.RunId).FirstOrDefaultAsync(ct)
            : null);
        if (runId is null || await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) is not { } run)
        {
            return null;
        }

        return (run, await db.WorkItems.Where(w => w.Id == run.WorkItemId).Select(w => w.ProjectId).SingleAsync(ct));
    }

    /// Calls that OTLP telemetry already recorded for this session carry no transcript id (the agents export no message
    /// id), so they are matched by their token counts instead: each call recorded live stands for one transcript call
    /// with the same counts, which is dropped from <paramref name="built"/>. A sub-agent's calls arrive under its root
    /// session's id. Returns how many were dropped.
    private async Task<int> SkipRecordedLiveAsync(SessionSource source, string externalId, List<LlmCall> built, CancellationToken ct)
    {
        if (built.Count == 0)
        {
            return 0;
        }

        var prefix = OtlpIngestService.SessionPrefix(source, externalId.Split('/')[0]);
        var live = await db.Set<LlmCall>().AsNoTracking().Where(c => c.ExternalId!.StartsWith(prefix))
            .Select(c => new { c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens }).ToListAsync(ct);
        if (live.Count == 0)
        {
            return 0;
        }

        var remaining = live.GroupBy(c => (c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens)).ToDictionary(g => g.Key, g => g.Count());
        return built.RemoveAll(c =>
        {
            var key = (c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens);
            if (remaining.TryGetValue(key, out var left) && left > 0)
            {
                remaining[key] = left - 1;
                return true;
            }

            return false;
        });
    }

    public async Task<Page<SessionView>> ListAsync(PageRequest page, CancellationToken ct)
    {
        var query = db.Set<AgentSession>().AsNoTracking().AsQueryable();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(s => string.Compare(s.Id, cursor) < 0);
        }

        return await query.OrderByDescending(s => s.Id).ToPageAsync(page, s => s.Id, SessionView.From, ct);
    }
}
