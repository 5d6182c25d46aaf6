using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// A template's definition as the API takes it. On PATCH a missing field stays as it is; giving variables or steps
/// makes a new version.
public sealed record TemplateRequest(
    string? Name, string? Kind, string? Description, IReadOnlyList<TemplateVariable>? Variables, IReadOnlyList<TemplateStep>? Steps);

public sealed record CopyTemplate(string? Name);

/// <see cref="Title"/> names the parent item (placeholders allowed); without it the parent is named after the template.
public sealed record InstantiateTemplate(
    string? Project, JsonElement? Variables, string? Parent, string? Goal, string? DeliverablePeriod, string? Title)
{
    /// Built-in placeholders the caller fills in (a schedule's firing: date, period and fire time in its time zone).
    public IReadOnlyDictionary<string, string>? BuiltIns { get; init; }
}

/// One version of a template, global or the tenant's. <see cref="Versions"/> is given when one template is read.
public sealed record TemplateView(
    string Id, string Scope, string Name, string Kind, string? Description, int Version, int CurrentVersion,
    IReadOnlyList<TemplateVariable> Variables, IReadOnlyList<TemplateStep> Steps, string? SourceTemplateId, int? SourceVersion,
    string? CreatedBy, DateTime? ArchivedAt, DateTime? CreatedAt, DateTime? UpdatedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? Versions { get; init; }
}

/// What a step would become: its title and assignee rendered, the steps it waits for.
public sealed record StepPreview(string Key, string Title, string Type, string? Assignee, bool ApprovalRequired, IReadOnlyList<string> After);

/// The JSON of stored definitions: the API's own shape, so a version reads back exactly as it was given.
public static class TemplateJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public static List<T> Read<T>(string json) => JsonSerializer.Deserialize<List<T>>(json, Options) ?? [];

    public static string Write<T>(IReadOnlyList<T> rows) => JsonSerializer.Serialize(rows, Options);
}

/// Templates of pipelines: the tenant's own, versioned and archivable, and the global ones Bosun ships, which are read
/// and instantiated like the tenant's but only changed by copying them.
public sealed partial class TemplateService(BosunDb db, RequestContext context, TimeProvider clock, WorkItemService work)
{
    public const string GlobalScope = "global";
    public const string TenantScope = "tenant";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// Global templates first, then the tenant's by id; the cursor is the id of the last row, global or not. With
    /// <paramref name="archived"/> only the archived ones, as every archivable list answers: globals are never archived.
    public async Task<Page<TemplateView>> ListAsync(string? kind, bool archived, int? limit, string? cursor, CancellationToken ct)
    {
        var afterGlobal = cursor is not null && GlobalTemplates.IsGlobal(cursor);
        if (afterGlobal && GlobalTemplates.Find(cursor!) is null)
        {
            throw ProblemException.Invalid("cursor", "is not a cursor returned by this list");
        }

        var page = PageRequest.From(limit, afterGlobal ? null : cursor);
        kind = string.IsNullOrEmpty(kind) ? null : kind;
        var rows = new List<TemplateView>();
        if (page.Cursor is null && !archived)
        {
            var skip = afterGlobal ? GlobalTemplates.All.Select(t => t.Id).ToList().IndexOf(cursor!) + 1 : 0;
            rows.AddRange(GlobalTemplates.All.Skip(skip).Where(t => kind is null || t.Kind == kind).Select(View));
        }

        if (rows.Count <= page.Limit)
        {
            var query = db.Templates.AsNoTracking().AsQueryable();
            if (kind is not null)
            {
                query = query.Where(t => t.Kind == kind);
            }

            query = archived ? query.Where(t => t.ArchivedAt != null) : query.Where(t => t.ArchivedAt == null);

            if (page.Cursor is { } after)
            {
                query = query.Where(t => string.Compare(t.Id, after) > 0);
            }

            var found = await (from t in query
                               join v in db.TemplateVersions.AsNoTracking() on new { Id = t.Id, Version = t.CurrentVersion } equals new { Id = v.TemplateId, v.Version }
                               orderby t.Id
                               select new { t, v }).Take(page.Limit + 1 - rows.Count).ToListAsync(ct);
            rows.AddRange(found.Select(r => View(r.t, r.v)));
        }

        var more = rows.Count > page.Limit;
        if (more)
        {
            rows.RemoveRange(page.Limit, rows.Count - page.Limit);
        }

        return new Page<TemplateView>(rows, more ? rows[^1].Id : null);
    }

    /// The template's current version, with the numbers of all its versions.
    public async Task<TemplateView> GetAsync(string id, CancellationToken ct)
    {
        if (GlobalTemplates.IsGlobal(id))
        {
            var global = FindGlobal(id);
            return View(global) with { Versions = [global.Version] };
        }

        var template = await FindAsync(id, ct);
        return await ViewAsync(template, template.CurrentVersion, ct);
    }

    /// The current version alone, as an instantiate needs it.
    private async Task<TemplateView> CurrentAsync(string id, CancellationToken ct)
    {
        if (GlobalTemplates.IsGlobal(id))
        {
            return View(FindGlobal(id));
        }

        var template = await FindAsync(id, ct);
        return View(template, await VersionAsync(template.Id, template.CurrentVersion, ct));
    }

    public async Task<TemplateView> GetVersionAsync(string id, int version, CancellationToken ct)
    {
        if (GlobalTemplates.IsGlobal(id))
        {
            // Only the version this Bosun ships exists; the items of an older one keep their rendered text.
            var global = FindGlobal(id);
            return version == global.Version ? View(global) with { Versions = [global.Version] } : throw ProblemException.NotFound("Template version");
        }

        return await ViewAsync(await FindAsync(id, ct), version, ct);
    }

    public async Task<TemplateView> CreateAsync(TemplateRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTemplates);
        var problem = new ValidationProblem();
        var template = new Template
        {
            Name = Name(problem, request.Name, required: true) ?? "",
            Kind = Kind(problem, request.Kind, required: true) ?? "",
            Description = Check.Text(problem, "description", request.Description, 20_000),
            CreatedBy = context.Actor.Ref,
        };
        var (variables, steps) = Definition(problem, request.Variables ?? [], request.Steps);
        problem.ThrowIfAny();
        db.Templates.Add(template);
        var version = AddVersion(template, variables, steps);
        await db.SaveChangesAsync(ct);
        return View(template, version) with { Versions = [version.Version] };
    }

    /// A change of name, kind or description edits the template; new variables or steps make version N+1, and the
    /// items made from version N keep it. <paramref name="replace"/> (PUT) takes the whole definition.
    public async Task<TemplateView> UpdateAsync(string id, TemplateRequest request, bool replace, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTemplates);
        RefuseGlobal(id, "changed");
        await RowLock.LockAsync(db, "templates", id, ct);
        var template = await FindAsync(id, ct);
        RefuseArchived(template, "changed");
        var problem = new ValidationProblem();
        template.Name = Name(problem, request.Name, required: replace) ?? template.Name;
        template.Kind = Kind(problem, request.Kind, required: replace) ?? template.Kind;
        template.Description = replace
            ? Check.Text(problem, "description", request.Description, 20_000)
            : Check.Text(problem, "description", request.Description, 20_000) ?? template.Description;
        if (replace || request.Variables is not null || request.Steps is not null)
        {
            var current = await VersionAsync(template.Id, template.CurrentVersion, ct);
            var (variables, steps) = Definition(problem,
                request.Variables ?? (replace ? [] : TemplateJson.Read<TemplateVariable>(current.VariablesJson)),
                request.Steps ?? (replace ? null : TemplateJson.Read<TemplateStep>(current.StepsJson)));
            problem.ThrowIfAny();
            template.CurrentVersion++;
            AddVersion(template, variables, steps);
        }

        problem.ThrowIfAny();
        await db.SaveChangesAsync(ct);
        return await ViewAsync(template, template.CurrentVersion, ct);
    }

    /// A tenant template holding the source's current version as its version 1, recording where it came from.
    public async Task<TemplateView> CopyAsync(string id, CopyTemplate? request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTemplates);
        var source = await GetAsync(id, ct);
        var problem = new ValidationProblem();
        var name = Name(problem, request?.Name, required: false) ?? source.Name;
        problem.ThrowIfAny();
        var template = new Template
        {
            Name = name,
            Kind = source.Kind,
            Description = source.Description,
            SourceTemplateId = source.Id,
            SourceVersion = source.Version,
            CreatedBy = context.Actor.Ref,
        };
        db.Templates.Add(template);
        var version = AddVersion(template, source.Variables, source.Steps);
        await db.SaveChangesAsync(ct);
        return View(template, version) with { Versions = [version.Version] };
    }

    /// Archived templates leave lists (unless asked for) and cannot be instantiated or changed until restored.
    public Task<TemplateView> ArchiveAsync(string id, CancellationToken ct) => SetArchivedAsync(id, archive: true, ct);

    public Task<TemplateView> RestoreAsync(string id, CancellationToken ct) => SetArchivedAsync(id, archive: false, ct);

    private async Task<TemplateView> SetArchivedAsync(string id, bool archive, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTemplates);
        RefuseGlobal(id, archive ? "archived" : "restored");
        var template = await FindAsync(id, ct);
        var archived = template.ArchivedAt is not null;
        if (archived != archive)
        {
            template.ArchivedAt = archive ? Now : null;
            ArchiveAudit.Record(db, "template", template.Id, archive, new { name = template.Name, version = template.CurrentVersion }, Now);
            await db.SaveChangesAsync(ct);
        }

        return await ViewAsync(template, template.CurrentVersion, ct);
    }

    /// A parent item and one child per step of the template's current version, in the caller's transaction; the
    /// items record the template and that version, so later edits never change what they were made from.
    public async Task<PipelineCreated> InstantiateAsync(string id, InstantiateTemplate request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTemplates);
        var template = await CurrentAsync(id, ct);
        if (template.ArchivedAt is not null)
        {
            throw ProblemException.Conflict($"The template '{template.Name}' is archived: restore it (POST /api/v1/templates/{template.Id}/restore) to instantiate it.");
        }

        var problem = new ValidationProblem();
        string? projectId = null;
        if (string.IsNullOrWhiteSpace(request.Project))
        {
            problem.Add("project", "is required");
        }
        else if ((projectId = await db.ProjectIdOfAsync(request.Project.Trim(), ct)) is null)
        {
            problem.Add("project", "no such project");
        }

        string? parentId = null;
        if (request.Parent is { Length: > 0 } parentRef && (parentId = (await work.FindOrNullAsync(parentRef, ct))?.Id) is null)
        {
            problem.Add("parent", "no such work item");
        }

        if (request.Goal is { Length: > 0 } goal && !await db.Goals.AnyAsync(g => g.Id == goal, ct))
        {
            problem.Add("goal", "no such goal");
        }

        var period = request.DeliverablePeriod is { Length: > 0 } periodId
            ? await (from p in db.DeliverablePeriods
                     join d in db.Deliverables on p.DeliverableId equals d.Id
                     where p.Id == periodId
                     select new { p.Id, p.Period, Deliverable = d.Name }).FirstOrDefaultAsync(ct)
            : null;
        if (request.DeliverablePeriod is { Length: > 0 } && period is null)
        {
            problem.Add("deliverable_period", "no such deliverable period");
        }

        var title = Check.Text(problem, "title", request.Title, 500);
        var values = PipelineSteps.Values(template.Variables, request.Variables, problem);
        problem.ThrowIfAny();

        // A variable of the same name wins over a built-in: the template's author asked for it.
        foreach (var (name, value) in request.BuiltIns ?? new Dictionary<string, string>())
        {
            values.TryAdd(name, value);
        }

        values.TryAdd("date", DateOnly.FromDateTime(Now).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (period is not null)
        {
            values.TryAdd("period", period.Period);
            values.TryAdd("deliverable", period.Deliverable);
            var made = await db.WorkItems.CountAsync(w => w.DeliverablePeriodId == period.Id && w.CloseWithChildren, ct);
            values.TryAdd("index", (made + 1).ToString(CultureInfo.InvariantCulture));
        }

        try
        {
            return await work.CreatePipelineAsync(
                new Pipeline(projectId!, title ?? template.Name, template.Description, template.Kind, template.Steps, values)
                {
                    ParentId = parentId,
                    GoalId = request.Goal is { Length: > 0 } ? request.Goal : null,
                    DeliverablePeriodId = period?.Id,
                    TemplateId = template.Id,
                    TemplateVersion = template.Version,
                }, ct);
        }
        catch (ProblemException refused) when (refused.Status == 400)
        {
            throw InOurWords(refused);
        }
    }

    /// The items an instantiate would make with the variables' defaults, and samples ("[Topic]") where there is none.
    public IReadOnlyList<StepPreview> Preview(TemplateView template)
    {
        var values = PipelineSteps.Values(template.Variables, null, new ValidationProblem());
        foreach (var variable in template.Variables)
        {
            if (variable.Key is { } key && values.GetValueOrDefault(key) is null or "")
            {
                values[key] = variable.Type switch
                {
                    "date" => DateOnly.FromDateTime(Now).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    "number" => "1",
                    "bool" => "true",
                    _ => $"[{variable.Label ?? key}]",
                };
            }
        }

        values.TryAdd("date", DateOnly.FromDateTime(Now).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        foreach (var builtIn in PipelineSteps.BuiltIns)
        {
            values.TryAdd(builtIn, $"[{builtIn}]");
        }

        return [.. template.Steps.Select(s => new StepPreview(
            s.Key ?? "", PipelineSteps.Render(s.Title, values) ?? "", s.Type ?? "task", PipelineSteps.Render(s.Assignee, values),
            s.ApprovalRequired ?? false, s.After ?? []))];
    }

    /// The pipeline names its fields as work items do; the caller of an instantiate gave them under other names.
    private static ProblemException InOurWords(ProblemException refused)
    {
        var names = new Dictionary<string, string> { ["parent_id"] = "parent", ["goal_id"] = "goal", ["project_id"] = "project" };
        var problem = new ValidationProblem();
        foreach (var (field, messages) in refused.Errors)
        {
            foreach (var message in messages)
            {
                problem.Add(names.GetValueOrDefault(field, field), message);
            }
        }

        return problem.ToException();
    }

    private static (IReadOnlyList<TemplateVariable> Variables, IReadOnlyList<TemplateStep> Steps) Definition(
        ValidationProblem problem, IReadOnlyList<TemplateVariable> variables, IReadOnlyList<TemplateStep>? steps)
    {
        PipelineSteps.CheckVariables(variables, problem);
        PipelineSteps.CheckSteps(steps, problem, variables);
        return (Normal(variables), Normal(steps ?? []));
    }

    /// Every field spelt out as an instantiate reads it, so a definition shows what its steps will be.
    internal static IReadOnlyList<TemplateVariable> Normal(IReadOnlyList<TemplateVariable> variables) =>
        [.. variables.Select(v => v with { Type = v.Type ?? "text", Required = v.Required ?? false })];

    internal static IReadOnlyList<TemplateStep> Normal(IReadOnlyList<TemplateStep> steps) =>
        [.. steps.Select(s => s with { Type = s.Type ?? "task", Priority = s.Priority ?? Priority.Normal, ApprovalRequired = s.ApprovalRequired ?? false, After = s.After ?? [] })];

    private TemplateVersion AddVersion(Template template, IReadOnlyList<TemplateVariable> variables, IReadOnlyList<TemplateStep> steps)
    {
        var version = new TemplateVersion
        {
            TemplateId = template.Id,
            Version = template.CurrentVersion,
            VariablesJson = TemplateJson.Write(variables),
            StepsJson = TemplateJson.Write(steps),
            CreatedBy = context.Actor.Ref,
        };
        db.TemplateVersions.Add(version);
        return version;
    }

    private static string? Name(ValidationProblem problem, string? value, bool required) => Check.Text(problem, "name", value, 200, required);

    private static string? Kind(ValidationProblem problem, string? value, bool required)
    {
        var kind = Check.Text(problem, "kind", value, 50, required);
        if (kind is not null && !KindPattern().IsMatch(kind))
        {
            problem.Add("kind", "must be lowercase letters, digits, '_' or '-', starting with a letter (e.g. blog_post)");
        }

        return kind;
    }

    private static void RefuseGlobal(string id, string what)
    {
        if (GlobalTemplates.IsGlobal(id))
        {
            FindGlobal(id);
            throw ProblemException.Conflict(
                $"Global templates ship with Bosun and are not {what} by tenants: copy it (POST /api/v1/templates/{id}/copy) and change the copy.",
                "/problems/global-template");
        }
    }

    private static void RefuseArchived(Template template, string what)
    {
        if (template.ArchivedAt is not null)
        {
            throw ProblemException.Conflict($"The template '{template.Name}' is archived and cannot be {what}: restore it first.");
        }
    }

    private static GlobalTemplate FindGlobal(string id) => GlobalTemplates.Find(id) ?? throw ProblemException.NotFound("Template");

    private async Task<Template> FindAsync(string id, CancellationToken ct) =>
        await db.Templates.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw ProblemException.NotFound("Template");

    private async Task<TemplateVersion> VersionAsync(string id, int version, CancellationToken ct) =>
        await db.TemplateVersions.AsNoTracking().FirstOrDefaultAsync(v => v.TemplateId == id && v.Version == version, ct)
        ?? throw ProblemException.NotFound("Template version");

    private async Task<TemplateView> ViewAsync(Template template, int version, CancellationToken ct)
    {
        var row = await VersionAsync(template.Id, version, ct);
        var versions = await db.TemplateVersions.AsNoTracking().Where(v => v.TemplateId == template.Id)
            .OrderBy(v => v.Version).Select(v => v.Version).ToListAsync(ct);
        return View(template, row) with { Versions = versions };
    }

    private static TemplateView View(Template t, TemplateVersion v) => new(
        t.Id, TenantScope, t.Name, t.Kind, t.Description, v.Version, t.CurrentVersion,
        TemplateJson.Read<TemplateVariable>(v.VariablesJson), TemplateJson.Read<TemplateStep>(v.StepsJson),
        t.SourceTemplateId, t.SourceVersion, t.CreatedBy, t.ArchivedAt, t.CreatedAt, t.UpdatedAt);

    private static TemplateView View(GlobalTemplate g) => new(
        g.Id, GlobalScope, g.Name, g.Kind, g.Description, g.Version, g.Version, g.Variables, g.Steps,
        null, null, null, null, null, null);

    [GeneratedRegex(@"^[a-z][a-z0-9_-]*$")]
    private static partial Regex KindPattern();
}
