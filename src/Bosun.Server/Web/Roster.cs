using Bosun.Core.Common;
using Bosun.Core.Identity;

namespace Bosun.Server.Web;

/// Names of the tenant's agents and people, so pages show "coder" and "Ada" instead of ids.
internal sealed record Roster(IReadOnlyList<AgentView> Agents, IReadOnlyList<UserView> People)
{
    private readonly Dictionary<string, string> _agentNames = Agents.ToDictionary(a => a.Id, a => a.Name);
    private readonly Dictionary<string, string> _peopleNames = People.ToDictionary(p => p.Id, p => p.Name);

    public static async Task<Roster> LoadAsync(AgentService agents, PeopleService people, CancellationToken ct)
    {
        var agentList = new List<AgentView>();
        for (string? cursor = null; ;)
        {
            var page = await agents.ListAsync(new AgentFilter(null, null), new PageRequest(PageRequest.MaxLimit, cursor), ct);
            agentList.AddRange(page.Items);
            if ((cursor = page.NextCursor) is null)
            {
                break;
            }
        }

        var peopleList = new List<UserView>();
        for (string? cursor = null; ;)
        {
            var page = await people.ListAsync(new PeopleFilter(null, null), new PageRequest(PageRequest.MaxLimit, cursor), ct);
            peopleList.AddRange(page.Items);
            if ((cursor = page.NextCursor) is null)
            {
                break;
            }
        }

        return new Roster(agentList.OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase).ToList(), peopleList.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList());
    }

    public string Agent(string? id) => id is null ? "" : _agentNames.GetValueOrDefault(id) ?? id;

    public string Person(string? id) => id is null ? "" : _peopleNames.GetValueOrDefault(id) ?? id;

    /// "agent:ID", "user:ID", "role:NAME" or "system" in the words a person reads.
    public string Describe(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return "unassigned";
        }

        var colon = reference.IndexOf(':');
        var (kind, id) = colon > 0 ? (reference[..colon], reference[(colon + 1)..]) : (reference, "");
        return kind switch
        {
            "agent" => $"{Agent(id)} (agent)",
            "user" => Person(id),
            // People's roles (a question for any reviewer) read without "agent" unless agents have that role too.
            "role" => Agents.Any(a => a.Role == id) ? $"any {id} agent" : $"any {id}",
            _ => reference,
        };
    }

    /// Choices for an assignee field or filter, written as the API's assignee references.
    public IEnumerable<(string Value, string Text)> AssigneeChoices()
    {
        foreach (var agent in Agents)
        {
            yield return ($"agent:{agent.Id}", $"{agent.Name} (agent{(agent.Enabled ? "" : ", disabled")})");
        }

        foreach (var person in People.Where(p => p.Status == PersonStatus.Active))
        {
            yield return ($"user:{person.Id}", person.Name);
        }

        foreach (var role in Agents.Select(a => a.Role).Distinct().Order())
        {
            yield return ($"role:{role}", $"any {role} agent");
        }
    }
}
