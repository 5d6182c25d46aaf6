using Bosun.Core.Data;
using Bosun.Core.Knowledge;

namespace Bosun.Server.Web;

/// The part of a work item's page that shows what the item knows: its linked artifacts and its knowledge items.
internal static class WorkItemKnowledge
{
    public sealed record Model(IReadOnlyList<ArtifactSummary> Artifacts, IReadOnlyList<KnowledgeItemView> Items);

    public static async Task<Model> LoadAsync(ArtifactService artifacts, string itemId, CancellationToken ct) =>
        new(await artifacts.LinkedAsync(itemId, ct), await artifacts.ListKnowledgeAsync(itemId, null, ct));

    public static void Render(HtmlWriter w, Model m)
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
                    w.Add($"""{(k.Answer is { } answer ? Html.Of($"<p class=\"answer\">{answer}</p>") : Html.Raw("<p class=\"muted\">Not answered yet.</p>"))}""");
                }

                w.Add($"</dd>");
            }

            w.Add($"</dl>");
        }

        w.Add($"""<h3>Artifacts</h3>""");
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

        w.Add($"</section>");
    }
}
