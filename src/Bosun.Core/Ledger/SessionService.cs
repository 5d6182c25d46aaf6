using System.Globalization;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Reading agent sessions (one with its usage and sub-agents, its messages as a timeline) and rating them: an outcome
/// and a quality score, set by the agent, a person or a rule, then filtered and rolled up by.
public sealed class SessionService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public const int MaxMessagesPage = 500;

    /// The word a list filter takes for sessions nobody has rated yet.
    public const string Unrated = "none";

    public async Task<Page<SessionView>> ListAsync(SessionFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = Filtered(filter);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(s => string.Compare(s.Id, cursor) < 0);
        }

        return await query.OrderByDescending(s => s.Id).ToPageAsync(page, s => s.Id, SessionView.From, ct);
    }

    public async Task<SessionDetail> GetAsync(string id, CancellationToken ct)
    {
        var session = await FindAsync(id, ct);
        var usage = await db.Set<LlmCall>().AsNoTracking().Where(c => c.SessionId == session.Id)
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Calls = g.LongCount(),
                Input = g.Sum(c => c.InputTokens),
                Output = g.Sum(c => c.OutputTokens),
                CacheRead = g.Sum(c => c.CacheReadTokens),
                CacheWrite = g.Sum(c => c.CacheWriteTokens),
                Cost = g.Sum(c => c.CostMicros ?? 0),
                List = g.Sum(c => c.ListCostMicros ?? 0),
            })
            .FirstOrDefaultAsync(ct);
        var subAgents = await db.Set<AgentSession>().AsNoTracking().Where(s => s.ParentId == session.Id)
            .OrderBy(s => s.StartedAt).ThenBy(s => s.Id).Take(200).ToListAsync(ct);
        return new SessionDetail(SessionView.From(session),
            usage is null
                ? new SessionUsage(0, 0, 0, 0, 0, 0, 0)
                : new SessionUsage(usage.Calls, usage.Input, usage.Output, usage.CacheRead, usage.CacheWrite, Money.ToUsd(usage.Cost), Money.ToUsd(usage.List)),
            subAgents.Select(SessionView.From).ToList());
    }

    /// The session's messages in order, each with the LLM calls billed for it. The cursor is the last message's
    /// position, so a page never shifts when a re-import rewrites the messages of an ended session.
    public async Task<Page<SessionMessageView>> MessagesAsync(string id, int? limit, string? cursor, CancellationToken ct)
    {
        if (limit is < 1 or > MaxMessagesPage)
        {
            throw ProblemException.Invalid("limit", $"must be between 1 and {MaxMessagesPage}");
        }

        var after = -1;
        if (cursor is not null && !(int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after) && after >= 0))
        {
            throw ProblemException.Invalid("cursor", "is not a cursor returned by this list");
        }

        var session = await FindAsync(id, ct);
        var take = limit ?? 100;
        var rows = await db.Set<SessionMessage>().AsNoTracking()
            .Where(m => m.SessionId == session.Id && m.Seq > after)
            .OrderBy(m => m.Seq).Take(take + 1).ToListAsync(ct);
        var more = rows.Count > take;
        if (more)
        {
            rows.RemoveAt(take);
        }

        // Imports key each billed call by source and message id, which is how a message finds its calls.
        var prefix = session.Source.Snake() + ":";
        var keys = rows.Where(m => m.ExternalId is not null).Select(m => prefix + m.ExternalId).Distinct().ToList();
        var calls = keys.Count == 0
            ? []
            : await db.Set<LlmCall>().AsNoTracking().Where(c => c.SessionId == session.Id && keys.Contains(c.ExternalId!)).ToListAsync(ct);
        var byKey = calls.ToLookup(c => c.ExternalId!);
        var items = rows.Select(m => new SessionMessageView(
            m.Seq, m.ExternalId, m.Role, m.Text, m.TextLength, ToolUses(m.ToolUsesJson), m.Model, m.At,
            m.ExternalId is null ? [] : byKey[prefix + m.ExternalId].Select(c => new SessionCallView(
                c.Id, c.Provider, c.Model, c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens, Money.ToUsd(c.CostMicros), c.CalledAt)).ToList()))
            .ToList();
        return new Page<SessionMessageView>(items, more ? rows[^1].Seq.ToString(CultureInfo.InvariantCulture) : null);
    }

    /// Sets how the session went. Agents rate sessions too (their own work), so this needs only the right to edit work;
    /// every change is audited with who made it.
    public async Task<SessionView> RateAsync(string id, SessionRating rating, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (rating.QualityScore is < 0 or > 100)
        {
            throw ProblemException.Invalid("quality_score", "must be between 0 and 100");
        }

        if (rating.Outcome is null && rating.QualityScore is null)
        {
            throw ProblemException.Invalid("outcome", "give an outcome (success, failure, partial or cancelled), a quality_score, or both");
        }

        var session = await FindAsync(id, ct, tracked: true);
        var changes = new Dictionary<string, object?>();
        if (rating.Outcome is { } outcome && outcome != session.Outcome)
        {
            changes["outcome"] = new { before = session.Outcome?.Snake(), after = outcome.Snake() };
            session.Outcome = outcome;
        }

        if (rating.QualityScore is { } score && score != session.QualityScore)
        {
            changes["quality_score"] = new { before = session.QualityScore, after = score };
            session.QualityScore = score;
        }

        if (changes.Count > 0)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            session.UpdatedAt = now;
            AuditLog.Record(db, "agent_session.rated", "agent_session", session.Id, changes, now);
            await db.SaveChangesAsync(ct);
        }

        return SessionView.From(session);
    }

    /// Links the session an agent works in (as the agent names it: Claude Code's session id, Codex's conversation id) to
    /// the run it works for, so the session's LLM and tool calls, imported or sent live over OTLP, are the run's and
    /// count against its budgets. `bosun agent run` calls this when it sees the id in the agent's output. A session not
    /// imported yet is recorded now and filled in by a later import. A session belongs to one run: linking it to the
    /// same run again changes nothing, to another run is a conflict.
    public async Task<SessionView> LinkRunAsync(string runId, SessionLinkRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        if (request.Source is null)
        {
            problem.Add("source", $"is required: one of {string.Join(", ", EnumNames<SessionSource>.All)}");
        }

        var externalId = Check.Text(problem, "session_id", request.SessionId, 200, required: true);
        problem.ThrowIfAny();
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw ProblemException.NotFound("run");
        if (context.Actor.Type == ActorType.Agent && run.AgentId != context.Actor.Id)
        {
            throw ProblemException.Forbidden("An agent may link sessions only to its own runs.");
        }

        var source = request.Source!.Value;
        var session = await db.Set<AgentSession>().FirstOrDefaultAsync(s => s.Source == source && s.ExternalId == externalId, ct);
        if (session?.RunId == run.Id)
        {
            return SessionView.From(session);
        }

        if (session?.RunId is { } other)
        {
            throw ProblemException.Conflict($"This session is already linked to run {other}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (session is null)
        {
            session = new AgentSession { Source = source, ExternalId = externalId!, StartedAt = now, CreatedAt = now };
            db.Add(session);
        }

        session.RunId = run.Id;
        session.MachineId ??= run.MachineId;
        session.WorkspaceId ??= run.WorkspaceId;
        session.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return SessionView.From(session);
    }

    /// Sessions per outcome with their average score and cost, for the sessions a filter picks.
    public async Task<IReadOnlyList<SessionOutcomeRow>> OutcomesAsync(SessionFilter filter, CancellationToken ct)
    {
        var sessions = Filtered(filter);
        var counts = await sessions.GroupBy(s => s.Outcome)
            .Select(g => new { Outcome = g.Key, Sessions = g.LongCount(), Quality = g.Average(s => (double?)s.QualityScore) })
            .ToListAsync(ct);
        var costs = await db.Set<LlmCall>().AsNoTracking()
            .Join(sessions, c => c.SessionId, s => s.Id, (c, s) => new { s.Outcome, c.CostMicros })
            .GroupBy(x => x.Outcome)
            .Select(g => new { Outcome = g.Key, Micros = g.Sum(x => x.CostMicros ?? 0) })
            .ToListAsync(ct);
        return counts
            .Select(c => new SessionOutcomeRow(c.Outcome?.Snake() ?? Unrated, c.Sessions, c.Quality is { } q ? Math.Round(q, 1) : null,
                Money.ToUsd(costs.FirstOrDefault(x => x.Outcome == c.Outcome)?.Micros ?? 0)))
            .OrderBy(r => r.Outcome == Unrated).ThenBy(r => r.Outcome, StringComparer.Ordinal)
            .ToList();
    }

    private IQueryable<AgentSession> Filtered(SessionFilter filter)
    {
        var query = db.Set<AgentSession>().AsNoTracking();
        if (filter.Source is { } name)
        {
            var source = EnumNames<SessionSource>.TryParse(name, out var parsed)
                ? parsed
                : throw ProblemException.Invalid("source", $"must be one of {string.Join(", ", EnumNames<SessionSource>.All)}");
            query = query.Where(s => s.Source == source);
        }

        if (filter.Outcome is { } outcome)
        {
            if (outcome == Unrated)
            {
                query = query.Where(s => s.Outcome == null);
            }
            else if (EnumNames<SessionOutcome>.TryParse(outcome, out var wanted))
            {
                query = query.Where(s => s.Outcome == wanted);
            }
            else
            {
                throw ProblemException.Invalid("outcome", $"must be one of {string.Join(", ", EnumNames<SessionOutcome>.All)} or {Unrated}");
            }
        }

        if (filter.MinQuality is { } min)
        {
            if (min is < 0 or > 100)
            {
                throw ProblemException.Invalid("min_quality", "must be between 0 and 100");
            }

            query = query.Where(s => s.QualityScore >= min);
        }

        if (filter.Parent is { } parent)
        {
            query = query.Where(s => s.ParentId == parent);
        }

        if (filter.Run is { } run)
        {
            query = query.Where(s => s.RunId == run);
        }

        return query;
    }

    private async Task<AgentSession> FindAsync(string id, CancellationToken ct, bool tracked = false)
    {
        var query = db.Set<AgentSession>().AsQueryable();
        if (!tracked)
        {
            query = query.AsNoTracking();
        }

        return (Ids.IsValid(id) ? await query.FirstOrDefaultAsync(s => s.Id == id, ct) : null)
               ?? throw ProblemException.NotFound("session");
    }

    private static IReadOnlyList<SessionToolUse> ToolUses(string? json)
    {
        if (json is null)
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Select(u => new SessionToolUse(Str(u, "name"), Str(u, "id"), Str(u, "input")))
            .ToList();

        static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
