using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

public sealed class LedgerOptions
{
    /// Raw agent events older than this many days are dropped; their hourly roll-ups stay.
    public int EventRetentionDays { get; set; } = int.TryParse(Environment.GetEnvironmentVariable("BOSUN_EVENT_RETENTION_DAYS"), out var d) && d > 0 ? d : 90;
}

/// The time series of what agents do. Ingest is idempotent by event id (and time) and maintains the hourly
/// roll-ups in the same transaction, counting only events that were new; retention drops raw events by
/// whole days and never touches the roll-ups.
public sealed class EventService(BosunDb db, RequestContext context, TimeProvider clock, LedgerOptions options)
{
    public const int MaxBatch = 10_000;
    private static readonly HashSet<string> Severities = ["debug", "info", "warning", "error", "critical"];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public DateTime RetentionCutoff => Now.Date.AddDays(-options.EventRetentionDays);

    public async Task<EventIngestResult> IngestAsync(IReadOnlyList<RawEvent> inputs, CancellationToken ct)
    {
        if (inputs.Count > MaxBatch)
        {
            throw ProblemException.Invalid("body", $"must hold at most {MaxBatch} events per request");
        }

        var tenant = context.RequireTenant();
        var now = Now;
        var cutoff = RetentionCutoff;
        var problem = new ValidationProblem();
        var events = new List<AgentEvent>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var e = inputs[i];
            var index = i;
            string Field(string name) => $"[{index}].{name}";

            // PostgreSQL keeps microseconds: truncate so the key read back matches the key sent.
            var at = e.Timestamp?.UtcDateTime is { } t ? new DateTime(t.Ticks - t.Ticks % 10, DateTimeKind.Utc) : (DateTime?)null;
            if (at is null)
            {
                problem.Add(Field("timestamp"), "is required");
            }
            else if (at < cutoff)
            {
                problem.Add(Field("timestamp"), $"is older than the event retention ({options.EventRetentionDays} days)");
            }
            else if (at > now.AddDays(1))
            {
                problem.Add(Field("timestamp"), "is more than a day in the future");
            }

            var severity = e.Severity is null ? "info" : e.Severity.ToLowerInvariant();
            if (!Severities.Contains(severity))
            {
                problem.Add(Field("severity"), $"must be one of: {string.Join(", ", Severities)}");
            }

            if (e.Tags is { Count: > 50 } || e.Tags?.Any(t => t.Length > 100) == true)
            {
                problem.Add(Field("tags"), "must be at most 50 tags of at most 100 characters");
            }

            if (string.IsNullOrWhiteSpace(e.Type))
            {
                problem.Add(Field("type"), "is required");
            }

            events.Add(new AgentEvent
            {
                TenantId = tenant,
                OccurredAt = at ?? now,
                Id = Text(problem, index, "id", e.Id, 100) ?? Ids.New(),
                Type = Text(problem, index, "type", e.Type, 50) ?? "",
                AgentId = Text(problem, index, "agent", e.Agent, 100),
                SessionId = Text(problem, index, "session", e.Session, 100),
                ProjectId = Text(problem, index, "project", e.Project, 100),
                RunId = Text(problem, index, "run", e.Run, 100),
                Severity = severity,
                TagsJson = e.Tags is { Count: > 0 } tags ? TagsJson(tags) : null,
                ContextJson = e.ContextJson,
                DataJson = e.DataJson,
                MetricsJson = e.MetricsJson,
                Tokens = e.Tokens,
                CostMicros = e.CostUsd is { } usd && usd >= 0 ? Money.ToMicros(usd) : null,
                DurationMs = e.DurationMs is { } ms && ms >= 0 ? (long)ms : null,
                ReceivedAt = now,
            });
        }

        problem.ThrowIfAny();

        // The endpoint parses and validates before any transaction, so SQLite's single writer lock is held
        // only for the inserts themselves.
        return await db.InTransactionAsync(c => EventStatements.StoreAsync(db, tenant, events, c), write: true, ct);
    }

    public async Task<IReadOnlyList<EventRollupView>> RollupsAsync(DateTime? from, DateTime? to, string? project, string? agent, string? type, CancellationToken ct)
    {
        var start = from ?? Now.Date.AddDays(-1);
        var end = to ?? Now.AddHours(1);
        var query = db.Set<AgentEventRollup>().AsNoTracking().Where(r => r.Hour >= start && r.Hour < end);
        if (project is not null)
        {
            query = query.Where(r => r.ProjectId == project);
        }

        if (agent is not null)
        {
            query = query.Where(r => r.AgentId == agent);
        }

        if (type is not null)
        {
            query = query.Where(r => r.Type == type);
        }

        var rows = await query.OrderBy(r => r.Hour).ThenBy(r => r.ProjectId).ThenBy(r => r.AgentId).ThenBy(r => r.Type).Take(10_000).ToListAsync(ct);
        return rows.Select(r => new EventRollupView(
            r.Hour, Blank(r.ProjectId), Blank(r.AgentId), r.Type, r.Events, r.Sessions, r.Tokens, Money.ToUsd(r.CostMicros),
            r.DurationCount == 0 ? null : Math.Round((double)r.DurationSumMs / r.DurationCount, 1))).ToList();
    }

    /// Newest first. `project` is the project's id or key (events carry whichever their sender knew), `tag` one tag the
    /// events carry, `severity` a comma-separated list of severities.
    public async Task<IReadOnlyList<EventView>> RecentAsync(EventFilter filter, int limit, CancellationToken ct)
    {
        var severities = SeveritiesOf(filter.Severity);
        var query = db.Set<AgentEvent>().AsNoTracking().AsQueryable();
        if (filter.Project is { } reference)
        {
            var upper = reference.Trim().ToUpperInvariant();
            var project = await db.Projects.AsNoTracking().Where(p => p.Id == reference || p.Key == upper).Select(p => new { p.Id, p.Key }).FirstOrDefaultAsync(ct)
                ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(e => e.ProjectId == project.Id || e.ProjectId == project.Key);
        }

        if (filter.Machine is { Length: > 0 } machineRef)
        {
            var machine = await db.Set<Machine>().AsNoTracking().Where(m => m.Id == machineRef || m.MachineKey == machineRef).Select(m => m.Id).FirstOrDefaultAsync(ct)
                ?? throw ProblemException.Invalid("machine", "no such machine");

            // An event happened on a machine when its run was placed there or its session was written there.
            query = query.Where(e =>
                (e.RunId != null && db.Runs.Any(r => r.Id == e.RunId && r.MachineId == machine)) ||
                (e.SessionId != null && db.Set<AgentSession>().Any(s => s.ExternalId == e.SessionId && s.MachineId == machine)));
        }

        if (filter.From is { } f)
        {
            query = query.Where(e => e.OccurredAt >= f);
        }

        if (filter.To is { } t)
        {
            query = query.Where(e => e.OccurredAt < t);
        }

        if (filter.Type is not null)
        {
            query = query.Where(e => e.Type == filter.Type);
        }

        if (filter.Agent is not null)
        {
            query = query.Where(e => e.AgentId == filter.Agent);
        }

        if (filter.Session is not null)
        {
            query = query.Where(e => e.SessionId == filter.Session);
        }

        if (filter.Tag is { Length: > 0 } tag)
        {
            // Tags are stored as a compact JSON array; a quoted element right after "[" or "," can only be a whole tag,
            // never a piece of another (a quote inside a tag is escaped).
            var quoted = JsonSerializer.Serialize(tag);
            string first = "[" + quoted, next = "," + quoted;
            query = query.Where(e => e.TagsJson != null && (e.TagsJson.Contains(first) || e.TagsJson.Contains(next)));
        }

        if (severities is not null)
        {
            query = query.Where(e => severities.Contains(e.Severity));
        }

        var rows = await query.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return rows.Select(EventView.From).ToList();
    }

    private static List<string>? SeveritiesOf(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return null;
        }

        var severities = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToLowerInvariant()).Distinct().ToList();
        if (severities.Count == 0 || severities.Any(v => !Severities.Contains(v)))
        {
            throw ProblemException.Invalid("severity", $"must be a comma-separated list of: {string.Join(", ", Severities)}");
        }

        return severities;
    }

    /// Drops raw events older than the retention, for every tenant: whole partitions on PostgreSQL, per-tenant
    /// key ranges on SQLite. Runs as the system (maintenance), never inside a tenant's request.
    public async Task<int> ApplyRetentionAsync(CancellationToken ct)
    {
        if (context.HasTenant)
        {
            throw new InvalidOperationException("Retention runs for all tenants, outside any tenant's unit of work.");
        }

        return await EventStatements.DropBeforeAsync(db, RetentionCutoff, ct);
    }

    /// Creates the partitions for the coming days so ingest rarely creates one itself.
    public Task EnsureUpcomingPartitionsAsync(int days, CancellationToken ct) => EventStatements.EnsureUpcomingPartitionsAsync(db, Now.Date, days, ct);

    /// Like Check.Text, but builds the field name ("[12].agent") only for an error: ingest checks millions of fields.
    private static string? Text(ValidationProblem problem, int index, string name, string? value, int max)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) ? value.Trim() : value;
        if (trimmed.Length == 0)
        {
            return null;
        }

        if (trimmed.Length > max)
        {
            problem.Add($"[{index}].{name}", $"must be at most {max} characters");
        }

        return trimmed;
    }

    /// Most tags are plain words: write those directly, and let the serializer escape the rest.
    private static string TagsJson(List<string> tags)
    {
        foreach (var tag in tags)
        {
            foreach (var c in tag)
            {
                if (c < ' ' || c > '~' || c is '"' or '\\' or '<' or '>' or '&' or '\'' or '+')
                {
                    return JsonSerializer.Serialize(tags);
                }
            }
        }

        return tags.Count == 1 ? $"[\"{tags[0]}\"]" : "[\"" + string.Join("\",\"", tags) + "\"]";
    }

    private static string? Blank(string value) => value.Length == 0 ? null : value;
}
