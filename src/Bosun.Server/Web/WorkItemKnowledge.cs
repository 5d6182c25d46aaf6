using Bosun.Core.Data;
using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The part of a work item's page that shows what the item knows: its knowledge items and its linked artifacts, with
/// forms to add a knowledge item, answer a question and link an artifact.
internal static class WorkItemKnowledge
{
    public sealed record Model(IReadOnlyList<ArtifactSummary> Artifacts, IReadOnlyList<KnowledgeItemView> Items);

    public static async Task<Model> LoadAsync(ArtifactService artifacts, string itemId, CancellationToken ct) =>
        new(await artifacts.LinkedAsync(itemId, ct), await artifacts.ListKnowledgeAsync(itemId, null, ct));

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/work/{key}/knowledge", async (string key, HttpContext http, ArtifactService artifacts) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await WorkItemPage.ActAsync(http, key, form, "knowledge", async c =>
            {
                var added = await artifacts.AddKnowledgeAsync(key, new KnowledgeRequest(form["kind"], form["text"], BoardPage.Optional(form["answer"])), c);
                return $"Added a {added.Kind.Snake()}.";
            });
        });

        app.MapPost("/work/{key}/knowledge/{id}/answer", async (string key, string id, HttpContext http, ArtifactService artifacts) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await WorkItemPage.ActAsync(http, key, form, $"answer-{id}", async c =>
            {
                var answered = await artifacts.UpdateKnowledgeAsync(key, id, new KnowledgeRequest(Answer: form["answer"].ToString()), c);
                return answered.Answer is null ? "The answer is taken back." : "Question answered.";
            });
        });

        app.MapPost("/work/{key}/artifacts", async (string key, HttpContext http, ArtifactService artifacts) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await WorkItemPage.ActAsync(http, key, form, "artifact", async c =>
            {
                await artifacts.LinkAsync(key, new LinkArtifact(form["artifact"]), c);
                return $"Linked {form["artifact"]}.";
            });
        });
    }

    public static void Render(HtmlWriter w, HttpContext http, Model m, string itemKey, FormState form)
    {
        w.Add($"""<section aria-labelledby="knowledge-h"><h2 id="knowledge-h">Knowledge</h2>""");
        if (m.Items.Count == 0)
        {
            w.Add($"""<p class="muted">No requirements, facts, assumptions or questions yet.</p>""");
        }
        else
        {
            w.Add($"""<dl class="knowledge">""");
            foreach (var k in m.Items)
            {
                w.Add($"""<dt data-knowledge="{k.Id}"><span class="status">{k.Kind.Snake()}</span></dt><dd>{k.Text}""");
                if (k.Kind == KnowledgeKind.Question)
                {
                    var scope = $"answer-{k.Id}";
                    w.Add($"""
                        {(k.Answer is { } answer ? Html.Of($"<p class=\"answer\">{answer}</p>") : Html.Raw("<p class=\"muted\">Not answered yet.</p>"))}
                        <form method="post" action="/work/{itemKey}/knowledge/{k.Id}/answer" novalidate>
                        {Layout.Token(http)}
                        {form.Summary(scope, $"{scope}-")}
                        {Field.Text(form.IsFor(scope) ? form : FormState.Empty, "answer", k.Answer is null ? "Answer" : "Change the answer", k.Answer, idPrefix: $"{scope}-")}
                        <button type="submit">Answer</button>
                        </form>
                        """);
                }

                w.Add($"</dd>");
            }

            w.Add($"</dl>");
        }

        var kinds = EnumNames<KnowledgeKind>.All.Select(k => (k, k));
        var knowledgeForm = form.IsFor("knowledge") ? form : FormState.Empty;
        w.Add($"""
            <form method="post" action="/work/{itemKey}/knowledge" novalidate>
            {Layout.Token(http)}
            {form.Summary("knowledge", "knowledge-")}
            {Field.Select(knowledgeForm, "kind", "Kind", kinds, "requirement", "knowledge-")}
            {Field.TextArea(knowledgeForm, "text", "Text", idPrefix: "knowledge-")}
            <button type="submit">Add</button>
            </form>
            <h3>Artifacts</h3>
            """);
        if (m.Artifacts.Count == 0)
        {
            w.Add($"""<p class="muted">None linked.</p>""");
        }
        else
        {
            w.Add($"""<ul class="links artifacts">""");
            foreach (var a in m.Artifacts)
            {
                w.Add($"""<li data-artifact="{a.Id}"><a href="/artifacts/{a.Id}"><code>{a.Type}/{a.Key}</code> {a.Title}</a> <span class="muted">v{a.Version} · {a.TokenCount} tokens</span></li>""");
            }

            w.Add($"</ul>");
        }

        w.Add($"""
            <form method="post" action="/work/{itemKey}/artifacts" novalidate>
            {Layout.Token(http)}
            {form.Summary("artifact", "artifact-")}
            {Field.Text(form.IsFor("artifact") ? form : FormState.Empty, "artifact", "Link an artifact", hint: "type/key in this project, e.g. spec/api, or its id", idPrefix: "artifact-")}
            <button type="submit">Link</button>
            </form>
            </section>
            """);
    }
}
