using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// A work item is assigned to one agent, one person, or any agent with a role, written as
/// "agent:ID", "user:ID" or "role:NAME" (agents may be named, people given by email).
public static class Assignment
{
    public static string? Describe(WorkItem w) =>
        w.AssigneeAgentId is { } a ? $"agent:{a}" : w.AssigneeUserId is { } u ? $"user:{u}" : w.AssigneeRole is { } r ? $"role:{r}" : null;

    /// Sets the assignee from its text form; "" unassigns. Returns false (with a field error) when it names nothing.
    public static async Task ApplyAsync(BosunDb db, WorkItem item, string? value, ValidationProblem problem, string field, CancellationToken ct)
    {
        if (value is null)
        {
            return;
        }

        item.AssigneeAgentId = item.AssigneeUserId = item.AssigneeRole = null;
        if (value.Length == 0)
        {
            return;
        }

        var (kind, target) = value.IndexOf(':') is var i and > 0 ? (value[..i], value[(i + 1)..].Trim()) : ("", value);
        switch (kind)
        {
            case "agent":
                item.AssigneeAgentId = await db.Agents.Where(a => a.Id == target || a.Name == target).Select(a => a.Id).FirstOrDefaultAsync(ct);
                if (item.AssigneeAgentId is null)
                {
                    problem.Add(field, $"no agent '{target}'");
                }

                break;
            case "user":
                var email = target.ToLowerInvariant();
                item.AssigneeUserId = await db.Users.Where(u => u.Id == target || u.Email == email).Select(u => u.Id).FirstOrDefaultAsync(ct);
                if (item.AssigneeUserId is null)
                {
                    problem.Add(field, $"no person '{target}'");
                }

                break;
            case "role" when target.Length is > 0 and <= 100:
                item.AssigneeRole = target;
                break;
            default:
                problem.Add(field, "must be agent:ID, user:ID or role:NAME");
                break;
        }
    }

    /// Parses a filter value into the column it matches.
    public static IQueryable<WorkItem> Filter(IQueryable<WorkItem> query, string value)
    {
        var (kind, target) = value.IndexOf(':') is var i and > 0 ? (value[..i], value[(i + 1)..]) : ("", value);
        return kind switch
        {
            "agent" => query.Where(w => w.AssigneeAgentId == target),
            "user" => query.Where(w => w.AssigneeUserId == target),
            "role" => query.Where(w => w.AssigneeRole == target),
            "none" or "" when target is "none" or "" => query.Where(w => w.AssigneeAgentId == null && w.AssigneeUserId == null && w.AssigneeRole == null),
            _ => throw ProblemException.Invalid("assignee", "must be agent:ID, user:ID, role:NAME or none"),
        };
    }
}
