using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Automation;

/// Filters on the event: its project, its work item's type and label, and the status it moved from and to.
public sealed record RuleWhen(string? Project = null, string? ItemType = null, string? Label = null, string? From = null, string? To = null);

/// <paramref name="Preset"/>: start from a shipped rule (<see cref="RulePresets"/>); the other fields then override it.
public sealed record RuleRequest(
    string? Name, string? Description, string? Event, RuleWhen? When, IReadOnlyList<RuleActionSpec>? Actions, bool? Enabled, string? Preset = null);

public sealed record InboundView(string Id, string Url, string SecretPrefix, DateTime? LastCalledAt, DateTime CreatedAt);

/// An inbound trigger with its signing secret, answered only when the secret is made.
public sealed record InboundWithSecret(string Id, string Url, string SecretPrefix, DateTime? LastCalledAt, DateTime CreatedAt, string? Secret);

public sealed record RuleView(
    string Id, string Name, string? Description, string Event, RuleWhen When, IReadOnlyList<RuleActionSpec> Actions, bool Enabled,
    string? Preset, InboundView? Inbound, string? CreatedBy, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record RuleActionView(
    string Id, string RuleId, string Source, long? EventId, string EventType, int ActionIndex, string ActionType, int Depth,
    RuleActionStatus Status, int Attempts, DateTime? NextAttemptAt, string? Error, JsonElement? Result, DateTime CreatedAt, DateTime? FinishedAt)
{
    public static RuleActionView From(RuleActionRecord r) => new(
        r.Id, r.RuleId, r.Source, r.EventSeq, r.EventType, r.ActionIndex, r.ActionType, r.Depth, r.Status, r.Attempts, r.NextAttemptAt,
        r.Error, WorkItemView.ParseJson(r.ResultJson), r.CreatedAt, r.FinishedAt);
}

/// Rules: owners and admins write them, anyone who plans work reads them and what they did. A new or re-enabled rule
/// acts on events that happen from then on, never on older ones.
public sealed class RuleService(BosunDb db, RequestContext context, TimeProvider clock, StreamService stream, InboundTriggerService inbound)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<RuleView>> ListAsync(bool? enabled, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var query = db.Set<Rule>().AsNoTracking().AsQueryable();
        if (enabled is { } e)
        {
            query = query.Where(r => r.Enabled == e);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(r => string.Compare(r.Id, cursor) > 0);
        }

        var rows = await query.OrderBy(r => r.Id).ToPageAsync(page, r => r.Id, r => r, ct);
        var triggers = await TriggersOfAsync(rows.Items.Select(r => r.Id).ToList(), ct);
        return new Page<RuleView>(rows.Items.Select(r => View(r, triggers.GetValueOrDefault(r.Id))).ToList(), rows.NextCursor);
    }

    public async Task<RuleView> GetAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        return await ViewAsync(await FindAsync(id, ct), ct);
    }

    public static IReadOnlyList<RulePreset> Presets() => RulePresets.All;

    public async Task<RuleView> CreateAsync(RuleRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRules);
        var preset = request.Preset is { Length: > 0 } key
            ? RulePresets.Find(key) ?? throw ProblemException.Invalid("preset", $"no preset '{key}'; known: {string.Join(", ", RulePresets.All.Select(p => p.Key))}")
            : null;
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name ?? preset?.Name, 200, required: true);
        var description = Check.Text(problem, "description", request.Description ?? preset?.Description, 2000);
        var ruleEvent = CheckEvent(problem, request.Event ?? preset?.Event, required: true);
        var when = Merge(preset?.When, request.When);
        var actions = RuleActionTypes.Check(problem, request.Actions ?? preset?.Actions);
        var filters = await CheckWhenAsync(problem, ruleEvent, when, ct);
        problem.ThrowIfAny();

        var rule = new Rule
        {
            Name = name!,
            Description = description,
            Event = ruleEvent!,
            ProjectId = filters.ProjectId,
            ItemType = filters.ItemType,
            Label = filters.Label,
            FromStatus = filters.From,
            ToStatus = filters.To,
            ActionsJson = RuleActionTypes.Write(actions),
            Enabled = request.Enabled ?? true,
            Preset = preset?.Key,
            CursorSeq = await stream.HeadAsync(ct),
            CreatedBy = context.Actor.Ref,
        };
        db.Set<Rule>().Add(rule);
        await db.SaveChangesAsync(ct);
        return View(rule, null);
    }

    public async Task<RuleView> UpdateAsync(string id, RuleRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRules);
        var rule = await FindAsync(id, ct);
        if (request.Preset is not null)
        {
            throw ProblemException.Invalid("preset", "is only read when a rule is created");
        }

        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, 200);
        var description = Check.Text(problem, "description", request.Description, 2000);
        var ruleEvent = CheckEvent(problem, request.Event, required: false) ?? rule.Event;
        var actions = request.Actions is null ? null : RuleActionTypes.Check(problem, request.Actions);
        var current = new RuleWhen(rule.ProjectId, rule.ItemType, rule.Label, rule.FromStatus, rule.ToStatus);
        var filters = await CheckWhenAsync(problem, ruleEvent, request.When ?? current, ct);
        problem.ThrowIfAny();

        rule.Name = name ?? rule.Name;
        rule.Description = request.Description is null ? rule.Description : description;
        rule.Event = ruleEvent;
        (rule.ProjectId, rule.ItemType, rule.Label, rule.FromStatus, rule.ToStatus) = (filters.ProjectId, filters.ItemType, filters.Label, filters.From, filters.To);
        rule.ActionsJson = actions is null ? rule.ActionsJson : RuleActionTypes.Write(actions);
        if (request.Enabled is { } enabled)
        {
            await SetEnabledAsync(rule, enabled, ct);
        }

        await db.SaveChangesAsync(ct);
        return await ViewAsync(rule, ct);
    }

    public async Task<RuleView> EnableAsync(string id, bool enabled, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRules);
        var rule = await FindAsync(id, ct);
        await SetEnabledAsync(rule, enabled, ct);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(rule, ct);
    }

    private async Task SetEnabledAsync(Rule rule, bool enabled, CancellationToken ct)
    {
        if (enabled && !rule.Enabled)
        {
            // Re-enabled: act on what happens from now on, not on everything that happened while it was off.
            rule.CursorSeq = await stream.HeadAsync(ct);
        }

        rule.Enabled = enabled;
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRules);
        var rule = await FindAsync(id, ct);
        await inbound.RemoveAsync(InboundTargetType.Rule, rule.Id, ct);
        await db.Set<RuleActionRecord>().Where(a => a.RuleId == rule.Id).ExecuteDeleteAsync(ct);
        db.Set<Rule>().Remove(rule);
        await db.SaveChangesAsync(ct);
    }

    /// What a rule did, newest first; the cursor walks back in time. Without a rule id, every rule's.
    public async Task<Page<RuleActionView>> ActionsAsync(string? ruleId, RuleActionStatus? status, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var query = db.Set<RuleActionRecord>().AsNoTracking().AsQueryable();
        if (ruleId is not null)
        {
            var rule = await FindAsync(ruleId, ct);
            query = query.Where(a => a.RuleId == rule.Id);
        }

        if (status is { } s)
        {
            query = query.Where(a => a.Status == s);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) < 0);
        }

        return await query.OrderByDescending(a => a.Id).ToPageAsync(page, a => a.Id, RuleActionView.From, ct);
    }

    /// Gives the rule an inbound URL with a new secret, shown once; an earlier secret stops working at once.
    public async Task<InboundWithSecret> CreateInboundAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRules);
        var rule = await FindAsync(id, ct);
        return await inbound.CreateOrRotateAsync(InboundTargetType.Rule, rule.Id, ct);
    }

    public async Task RemoveInboundAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRules);
        var rule = await FindAsync(id, ct);
        if (!await inbound.RemoveAsync(InboundTargetType.Rule, rule.Id, ct))
        {
            throw ProblemException.NotFound("Inbound trigger");
        }

        await db.SaveChangesAsync(ct);
    }

    private async Task<RuleView> ViewAsync(Rule rule, CancellationToken ct) =>
        View(rule, (await TriggersOfAsync([rule.Id], ct)).GetValueOrDefault(rule.Id));

    private async Task<Dictionary<string, InboundTrigger>> TriggersOfAsync(List<string> ruleIds, CancellationToken ct) =>
        await db.Set<InboundTrigger>().AsNoTracking()
            .Where(t => t.TargetType == InboundTargetType.Rule && ruleIds.Contains(t.TargetId))
            .ToDictionaryAsync(t => t.TargetId, ct);

    private static RuleView View(Rule r, InboundTrigger? trigger) => new(
        r.Id, r.Name, r.Description, r.Event, new RuleWhen(r.ProjectId, r.ItemType, r.Label, r.FromStatus, r.ToStatus),
        RuleActionTypes.Read(r.ActionsJson), r.Enabled, r.Preset, trigger is null ? null : InboundTriggerService.View(trigger), r.CreatedBy,
        r.CreatedAt, r.UpdatedAt);

    private async Task<Rule> FindAsync(string id, CancellationToken ct) =>
        await db.Set<Rule>().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw ProblemException.NotFound("Rule");

    private static RuleWhen? Merge(RuleWhen? preset, RuleWhen? given) => preset is null ? given : given is null ? preset : new RuleWhen(
        given.Project ?? preset.Project, given.ItemType ?? preset.ItemType, given.Label ?? preset.Label, given.From ?? preset.From, given.To ?? preset.To);

    private static string? CheckEvent(ValidationProblem problem, string? value, bool required)
    {
        var ruleEvent = Check.Text(problem, "event", value, 50, required);
        if (ruleEvent is not null && !RuleEvents.All.Contains(ruleEvent))
        {
            problem.Add("event", $"'{ruleEvent}' is not an event a rule can wait for; known: {string.Join(", ", RuleEvents.All)}");
        }

        return ruleEvent;
    }

    private sealed record Filters(string? ProjectId, string? ItemType, string? Label, string? From, string? To);

    private async Task<Filters> CheckWhenAsync(ValidationProblem problem, string? ruleEvent, RuleWhen? when, CancellationToken ct)
    {
        if (when is null)
        {
            return new Filters(null, null, null, null, null);
        }

        string? projectId = null;
        if (when.Project is { Length: > 0 } project)
        {
            projectId = await db.ProjectIdOfAsync(project.Trim(), ct);
            if (projectId is null)
            {
                problem.Add("when.project", "no such project");
            }
        }

        var itemType = Check.Text(problem, "when.item_type", when.ItemType, 50);
        var label = Check.Text(problem, "when.label", when.Label, 100);
        var statuses = ruleEvent switch
        {
            "approval.decided" => EnumNames<ApprovalStatus>.All,
            "run.ended" or "run.failed" => EnumNames<RunStatus>.All,
            "plan.changed" => EnumNames<PlanStatus>.All,
            _ when ruleEvent is not null && RuleEvents.HasStatus(ruleEvent) => EnumNames<WorkStatus>.All,
            _ => null,
        };
        string? Status(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            if (statuses is null)
            {
                problem.Add(field, $"applies only to events that change a status ({string.Join(", ", RuleEvents.All.Where(RuleEvents.HasStatus))})");
            }
            else if (!statuses.Contains(value))
            {
                problem.Add(field, $"must be one of: {string.Join(", ", statuses)}");
            }

            return value;
        }

        return new Filters(projectId, itemType, label, Status("when.from", when.From), Status("when.to", when.To));
    }
}
