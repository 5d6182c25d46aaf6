using System.Text.Json;

namespace Bosun.Core.Automation;

/// A rule Bosun ships ready to create, from the workflows its users run most.
public sealed record RulePreset(string Key, string Name, string Description, string Event, RuleWhen When, IReadOnlyList<RuleActionSpec> Actions);

public static class RulePresets
{
    public static readonly IReadOnlyList<RulePreset> All =
    [
        new("blog_request_approved", "When a blog request is approved, create its blog post pipeline",
            "A person approving a blog_request item starts the content pipeline (research, write, review, publish) for it.",
            "approval.decided", new RuleWhen(ItemType: "blog_request", To: "approved"),
            [
                new RuleActionSpec(RuleActionTypes.InstantiateTemplate, Template: "global:content_pipeline", Project: "{{project.id}}",
                    Title: "Blog post: {{item.title}}",
                    Variables: JsonSerializer.SerializeToElement(new Dictionary<string, object>
                    {
                        ["topic"] = "{{item.title}}",
                        ["keywords"] = "{{item.input.keywords}}",
                    })),
                new RuleActionSpec(RuleActionTypes.Comment, Item: "{{item.id}}", Body: "Approved: the blog post pipeline for \"{{item.title}}\" was created."),
            ]),
        new("plan_activated_release", "When a plan is activated, release its tickets",
            "The backlog sub-items of the item a plan belongs to become ready once a person approves the plan.",
            "plan.activated", new RuleWhen(),
            [new RuleActionSpec(RuleActionTypes.MoveItems, ChildrenOf: "{{item.id}}", From: "backlog", To: "ready")]),
    ];

    public static RulePreset? Find(string key) => All.FirstOrDefault(p => p.Key == key);
}
