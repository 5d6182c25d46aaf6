using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

public sealed record MachineCheckIn(
    string? MachineId, string? Hostname, string? Os, string? OsVersion, string? User, MachineType? Type, WorkspaceCheckIn? Workspace, string? RunId);

public sealed record WorkspaceCheckIn(string? Path, string? Project, string? GitBranch, string? GitCommit);

public sealed record MachineCheckInResult(string MachineId, string? WorkspaceId, string? RunId);

public sealed record WorkspaceView(
    string Id, string MachineId, string Path, string? ProjectId, string? GitBranch, string? GitCommit, DateTime FirstSeenAt, DateTime LastSeenAt)
{
    public static WorkspaceView From(Workspace w) => new(w.Id, w.MachineId, w.Path, w.ProjectId, w.GitBranch, w.GitCommit, w.FirstSeenAt, w.LastSeenAt);
}

/// A run going on right now on a machine: which item, which agent (by name) and in which workspace.
public sealed record MachineRunView(string RunId, string WorkItemId, string WorkItemKey, string? Agent, string? WorkspaceId, DateTime StartedAt);

public sealed record MachineView(
    string Id, string MachineId, string Hostname, string? Os, string? OsVersion, string? User, MachineType Type, DateTime FirstSeenAt,
    DateTime LastSeenAt, IReadOnlyList<WorkspaceView> Workspaces, IReadOnlyList<MachineRunView> ActiveRuns);

/// Machines and the workspaces on them, as agents and imports report them, and what runs where right now.
public sealed class MachineService(BosunDb db, RequestContext context, TimeProvider clock)
{
    private const int WorkspacesPerMachine = 100;

    /// Records that the caller is on a machine (and in a workspace), and links its run there. Agents call this when
    /// `bosun agent run` starts and for each run it takes; imports call it for the sessions they bring.
    public async Task<MachineCheckInResult> CheckInAsync(MachineCheckIn request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var hostname = Check.Text(problem, "hostname", request.Hostname, 200, required: true);
        var key = Check.Text(problem, "machine_id", request.MachineId, 200) ?? hostname?.ToLowerInvariant();
        var os = Check.Text(problem, "os", request.Os, 50);
        var osVersion = Check.Text(problem, "os_version", request.OsVersion, 100);
        var user = Check.Text(problem, "user", request.User, 200);
        var path = request.Workspace is null ? null : Check.Text(problem, "workspace.path", request.Workspace.Path, 1000, required: true);
        var branch = Check.Text(problem, "workspace.git_branch", request.Workspace?.GitBranch, 200);
        var commit = Check.Text(problem, "workspace.git_commit", request.Workspace?.GitCommit, 64);
        string? projectId = null;
        if (request.Workspace?.Project is { Length: > 0 } project)
        {
            var upper = project.ToUpperInvariant();
            projectId = await db.Projects.AsNoTracking().Where(p => p.Id == project || p.Key == upper).Select(p => p.Id).FirstOrDefaultAsync(ct);
            if (projectId is null)
            {
                problem.Add("workspace.project", "no such project");
            }
        }

        Run? run = null;
        if (request.RunId is { Length: > 0 } runId)
        {
            run = Ids.IsValid(runId) ? await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct) : null;
            if (run is null || (context.Actor.Type == ActorType.Agent && run.AgentId != context.Actor.Id))
            {
                problem.Add("run_id", "no such run of yours");
            }
        }

        problem.ThrowIfAny();
        var now = clock.GetUtcNow().UtcDateTime;
        var tenant = context.RequireTenant();
        await using var machine = Sql.Command(db, MachineStatements.UpsertMachine)
            .With(("t", tenant), ("id", Ids.New()), ("key", key), ("host", hostname), ("os", os), ("osv", osVersion), ("user", user),
                ("type", request.Type?.Snake()), ("now", now));
        var machineId = (string)(await machine.ExecuteScalarAsync(ct))!;
        string? workspaceId = null;
        if (path is not null)
        {
            await using var workspace = Sql.Command(db, MachineStatements.UpsertWorkspace)
                .With(("t", tenant), ("id", Ids.New()), ("machine", machineId), ("path", path), ("project", projectId), ("branch", branch),
                    ("commit", commit), ("now", now));
            workspaceId = (string)(await workspace.ExecuteScalarAsync(ct))!;
        }

        if (run is not null && (run.MachineId != machineId || run.WorkspaceId != workspaceId))
        {
            run.MachineId = machineId;
            run.WorkspaceId = workspaceId ?? run.WorkspaceId;
            await db.SaveChangesAsync(ct);
        }

        return new MachineCheckInResult(machineId, workspaceId, run?.Id);
    }

    /// Machines seen most recently first, each with its workspaces and the runs going on there now.
    public async Task<Page<MachineView>> ListAsync(PageRequest page, CancellationToken ct)
    {
        var query = db.Set<Machine>().AsNoTracking();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(m => string.Compare(m.Id, cursor) < 0);
        }

        var machines = await query.OrderByDescending(m => m.Id).Take(page.Limit + 1).ToListAsync(ct);
        var more = machines.Count > page.Limit;
        if (more)
        {
            machines.RemoveAt(page.Limit);
        }

        var views = await ViewsAsync(machines, ct);
        return new Page<MachineView>(views.OrderByDescending(m => m.LastSeenAt).ToList(), more ? machines[^1].Id : null);
    }

    public async Task<MachineView> GetAsync(string id, CancellationToken ct)
    {
        var machine = (Ids.IsValid(id) ? await db.Set<Machine>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) : null)
                      ?? await db.Set<Machine>().AsNoTracking().FirstOrDefaultAsync(m => m.MachineKey == id, ct)
                      ?? throw ProblemException.NotFound("machine");
        return (await ViewsAsync([machine], ct))[0];
    }

    public async Task<Page<WorkspaceView>> WorkspacesAsync(string? machine, string? project, PageRequest page, CancellationToken ct)
    {
        var query = db.Set<Workspace>().AsNoTracking();
        if (machine is { Length: > 0 })
        {
            query = query.Where(w => w.MachineId == machine);
        }

        if (project is { Length: > 0 })
        {
            var upper = project.ToUpperInvariant();
            var projectId = await db.Projects.AsNoTracking().Where(p => p.Id == project || p.Key == upper).Select(p => p.Id).FirstOrDefaultAsync(ct)
                            ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(w => w.ProjectId == projectId);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(w => string.Compare(w.Id, cursor) < 0);
        }

        return await query.OrderByDescending(w => w.Id).ToPageAsync(page, w => w.Id, WorkspaceView.From, ct);
    }

    private async Task<List<MachineView>> ViewsAsync(IReadOnlyList<Machine> machines, CancellationToken ct)
    {
        var ids = machines.Select(m => m.Id).ToList();
        var workspaces = await db.Set<Workspace>().AsNoTracking().Where(w => ids.Contains(w.MachineId))
            .OrderByDescending(w => w.LastSeenAt).ToListAsync(ct);
        var runs = await (from r in db.Runs.AsNoTracking()
                          where r.MachineId != null && ids.Contains(r.MachineId) && r.EndedAt == null
                          join w in db.WorkItems.AsNoTracking() on r.WorkItemId equals w.Id
                          join a in db.Agents.AsNoTracking() on r.AgentId equals a.Id into agents
                          from a in agents.DefaultIfEmpty()
                          orderby r.StartedAt
                          select new { r.MachineId, Run = new MachineRunView(r.Id, w.Id, w.Key, a == null ? null : a.Name, r.WorkspaceId, r.StartedAt) })
            .ToListAsync(ct);
        return machines.Select(m => new MachineView(
                m.Id, m.MachineKey, m.Hostname, m.Os, m.OsVersion, m.UserName, m.Type, m.FirstSeenAt, m.LastSeenAt,
                workspaces.Where(w => w.MachineId == m.Id).Take(WorkspacesPerMachine).Select(WorkspaceView.From).ToList(),
                runs.Where(r => r.MachineId == m.Id).Select(r => r.Run).ToList()))
            .ToList();
    }
}
