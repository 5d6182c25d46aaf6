using Bosun.Core.Data;

namespace Bosun.Core.Ledger;

/// Check-ins insert a machine or workspace the first time and refresh it after, in one statement each: two agents
/// starting on a new machine at once must both land on one row, which an insert-or-read in EF cannot promise without
/// failing the second transaction. The same text runs on SQLite and PostgreSQL.
internal static class MachineStatements
{
    public static readonly Statement UpsertMachine = new("MachineStatements.UpsertMachine", """
        INSERT INTO machines (tenant_id, id, machine_key, hostname, os, os_version, user_name, type, first_seen_at, last_seen_at)
        VALUES (@t, @id, @key, @host, @os, @osv, @user, COALESCE(@type, 'local'), @now, @now)
        ON CONFLICT (tenant_id, machine_key) DO UPDATE SET
            hostname = excluded.hostname, os = COALESCE(excluded.os, machines.os), os_version = COALESCE(excluded.os_version, machines.os_version),
            user_name = COALESCE(excluded.user_name, machines.user_name), type = COALESCE(@type, machines.type),
            last_seen_at = excluded.last_seen_at
        RETURNING id
        """);

    public static readonly Statement UpsertWorkspace = new("MachineStatements.UpsertWorkspace", """
        INSERT INTO workspaces (tenant_id, id, machine_id, path, project_id, git_branch, git_commit, first_seen_at, last_seen_at)
        VALUES (@t, @id, @machine, @path, @project, @branch, @commit, @now, @now)
        ON CONFLICT (tenant_id, machine_id, path) DO UPDATE SET
            project_id = COALESCE(excluded.project_id, workspaces.project_id), git_branch = COALESCE(excluded.git_branch, workspaces.git_branch),
            git_commit = COALESCE(excluded.git_commit, workspaces.git_commit), last_seen_at = excluded.last_seen_at
        RETURNING id
        """);
}
