using System.Text.Json;

namespace Bosun.Core.Planning;

/// A template that ships with Bosun: every tenant reads and instantiates it as "global:KEY", none may change it. A
/// tenant that wants it different copies it; the copy is its own and a later Bosun never touches it.
public sealed record GlobalTemplate(
    string Key, string Name, string Kind, string Description, int Version,
    IReadOnlyList<TemplateVariable> Variables, IReadOnlyList<TemplateStep> Steps)
{
    public string Id => GlobalTemplates.Prefix + Key;
}

public static class GlobalTemplates
{
    public const string Prefix = "global:";

    /// Written as the API takes a definition, so a tenant reading one sees the shape of its own. Raise a template's
    /// version with every change of its variables or steps: items record the version they came from.
    public static readonly IReadOnlyList<GlobalTemplate> All =
    [
        Define("brief_to_tickets", "Brief to tickets", "brief_to_tickets", 1,
            "From a request to tickets: a brief, an execution plan a person approves, then the tickets that carry it out.",
            """
            [
              {"key": "subject", "label": "What is asked for", "type": "text", "required": true},
              {"key": "context", "label": "Background, links and constraints", "type": "text"},
              {"key": "due", "label": "Tickets ready by", "type": "date"}
            ]
            """,
            """
            [
              {"key": "brief", "title": "Draft the brief: {{subject}}", "type": "task", "assignee": "role:planner",
               "description": "Write a one-page brief for {{subject}}: the problem, who it is for, what done looks like and what is out of scope.\n\nBackground: {{context}}"},
              {"key": "plan", "title": "Write the execution plan: {{subject}}", "type": "task", "assignee": "role:planner", "approval_required": true,
               "description": "From the brief, write the plan: the pieces of work, their order, the risks and how each piece is checked. A person approves the plan before any ticket is made.",
               "after": ["brief"]},
              {"key": "tickets", "title": "Create the tickets: {{subject}}", "type": "task", "assignee": "role:planner",
               "description": "Turn the approved plan into tickets in this project, one per piece of work, each saying what done means, in the plan's order.",
               "input": {"ready_by": "{{due}}"}, "after": ["plan"]}
            ]
            """),
        Define("content_pipeline", "Content pipeline", "blog_post", 1,
            "A piece of writing from research to publication, with a person approving the draft before it goes out.",
            """
            [
              {"key": "topic", "label": "Topic", "type": "text", "required": true},
              {"key": "audience", "label": "Who it is for", "type": "text", "default": "our readers"},
              {"key": "keywords", "label": "Keywords", "type": "list"},
              {"key": "due_date", "label": "Publish by", "type": "date"}
            ]
            """,
            """
            [
              {"key": "research", "title": "Research: {{topic}}", "type": "task", "assignee": "role:researcher",
               "description": "Gather sources, facts and examples about {{topic}} for {{audience}}. Keywords: {{keywords}}.",
               "input": {"topic": "{{topic}}", "keywords": "{{keywords}}"}},
              {"key": "write", "title": "Write: {{topic}}", "type": "task", "assignee": "role:writer",
               "description": "Write the piece from the research, for {{audience}}, using the keywords where they fit: {{keywords}}.",
               "after": ["research"]},
              {"key": "review", "title": "Review: {{topic}}", "type": "review", "assignee": "role:reviewer", "approval_required": true,
               "description": "Check the facts, the tone and the keywords. A person approves the piece before it is published.",
               "after": ["write"]},
              {"key": "publish", "title": "Publish: {{topic}}", "type": "task", "assignee": "role:publisher",
               "description": "Publish the approved piece by {{due_date}} and put its address in the output.",
               "input": {"publish_by": "{{due_date}}"}, "after": ["review"]}
            ]
            """),
        Define("card_build", "Card build", "card_build", 1,
            "A card built on a branch, with the required checks passing before the pull request is opened.",
            """
            [
              {"key": "card", "label": "The card to build", "type": "text", "required": true},
              {"key": "branch", "label": "Base branch", "type": "text", "default": "main"}
            ]
            """,
            """
            [
              {"key": "implement", "title": "Implement: {{card}}", "type": "card", "assignee": "role:coder",
               "description": "Build {{card}} on a branch off {{branch}}, with tests.",
               "input": {"card": "{{card}}", "base_branch": "{{branch}}"}},
              {"key": "checks", "title": "Run the checks: {{card}}", "type": "task", "assignee": "role:coder",
               "description": "Run every required check on the branch and record each result; fix what fails.",
               "input": {"required_checks": ["build", "test", "lint"]}, "after": ["implement"]},
              {"key": "pull_request", "title": "Open the pull request: {{card}}", "type": "task", "assignee": "role:coder",
               "description": "Open a pull request against {{branch}} with the check results, and put its address in the output.",
               "after": ["checks"]}
            ]
            """),
    ];

    public static bool IsGlobal(string id) => id.StartsWith(Prefix, StringComparison.Ordinal);

    public static GlobalTemplate? Find(string id) => All.FirstOrDefault(t => t.Id == id);

    private static GlobalTemplate Define(string key, string name, string kind, int version, string description, string variables, string steps) =>
        new(key, name, kind, description, version,
            TemplateService.Normal(JsonSerializer.Deserialize<List<TemplateVariable>>(variables, TemplateJson.Options)!),
            TemplateService.Normal(JsonSerializer.Deserialize<List<TemplateStep>>(steps, TemplateJson.Options)!));
}
