using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Bosun.Server.Web;

/// A project's quality gate: the checks its runs must pass and the paths they may change, with the recent failures.
internal static class ProjectPolicyPage
{
    private const int RecentFailures = 20;

    private sealed record Model(ProjectView Project, ProjectPolicyView Policy, IReadOnlyList<RunCheckView> Failures);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{key}/policy", (string key, HttpContext http) => ShowAsync(http, key, FormState.Empty));

        app.MapPost("/projects/{key}/policy", async (string key, HttpContext http, ProjectPolicyService policies) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var saved = await http.WriteAsync(c => policies.SetAsync(key, new PolicyRequest(
                    Lines(form["required_checks"]), Lines(form["allowed_paths"]), Check.OneOf<FailedChecks>("on_failure", form["on_failure"])), c));
                Layout.SetFlash(http, $"Saved the {saved.ProjectKey} policy.");
                return (IResult)new SeeOther($"/projects/{Html.Segment(saved.ProjectKey)}/policy");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                return await ShowAsync(http, key, new FormState(form, ByTextArea(problem), "policy"), problem.Status);
            }
        });
    }

    /// One entry a line; blank lines are left out.
    private static string[] Lines(StringValues text) =>
        text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// The service names entries (`required_checks[2]`); the form has one text area per list, so their messages go there.
    private static ProblemException ByTextArea(ProblemException problem)
    {
        var shown = new ProblemException(problem.Status, problem.Title, problem.Detail, problem.Type);
        foreach (var (field, messages) in problem.Errors)
        {
            var open = field.IndexOf('[');
            var list = open < 0 ? field : field[..open];
            var prefix = open < 0 ? "" : $"line {int.Parse(field[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture) + 1}: ";
            shown.Errors[list] = [.. shown.Errors.TryGetValue(list, out var earlier) ? earlier : [], .. messages.Select(m => prefix + m)];
        }

        return shown;
    }

    private static async Task<HtmlResult> ShowAsync(HttpContext http, string key, FormState form, int status = 200)
    {
        var model = await http.ReadAsync(async c =>
        {
            var services = http.RequestServices;
            var project = await services.GetRequiredService<ProjectService>().GetAsync(key, c);
            var policy = await services.GetRequiredService<ProjectPolicyService>().GetAsync(project.Id, c);
            var failures = await services.GetRequiredService<RunCheckService>().ForProjectAsync(
                project.Id, new CheckFilter(CheckStatus.Failed, null), new PageRequest(RecentFailures, null), c);
            return new Model(project, policy, failures.Items);
        });
        return Layout.Page(http, $"{model.Project.Key} policy", Nav.Board, Render(http, model, form), status);
    }

    private static Html Render(HttpContext http, Model m, FormState form)
    {
        var policy = m.Policy;
        var onFailure = new[]
        {
            (FailedChecks.Block.Snake(), "Block the item"),
            (FailedChecks.Approval.Snake(), "Ask a reviewer, who may accept the work anyway"),
        };
        var w = new HtmlWriter();
        w.Add($"""
            <nav class="crumbs" aria-label="Breadcrumb"><a href="/board{Html.Query(("project", m.Project.Key))}">{m.Project.Key} board</a></nav>
            <h1>{m.Project.Name} <span class="muted">policy</span></h1>
            <p>A run that completes an item of {m.Project.Key} must report every required check as passed and no check as failed, and
            every path it changed must match an allowed pattern. Otherwise the run still completes, but its item is not done:
            it is blocked, or waits for a reviewer, with the failing checks in its revision notes for the next run.</p>
            <section class="panel narrow" aria-labelledby="policy-h">
            <h2 id="policy-h">Quality gate</h2>
            <p class="muted" data-testid="policy-updated">{(policy.UpdatedAt is { } at ? $"Last changed {Format.Time(at)}." : "Not set yet: runs' checks are recorded, and no item is held back.")}</p>
            <form method="post" action="/projects/{m.Project.Key}/policy" novalidate>
            {Layout.Token(http)}
            {form.Summary("policy", "policy-")}
            {Field.TextArea(form, "required_checks", "Required checks, one a line (e.g. tests)", string.Join("\n", policy.RequiredChecks), idPrefix: "policy-", rows: 4)}
            {Field.TextArea(form, "allowed_paths", "Allowed paths, one pattern a line (e.g. src/**); none allows any path", string.Join("\n", policy.AllowedPaths), idPrefix: "policy-", rows: 4)}
            {Field.Select(form, "on_failure", "When checks fail", onFailure, policy.OnFailure.Snake(), "policy-")}
            <button type="submit" class="primary">Save policy</button>
            </form>
            </section>
            <section aria-labelledby="failures-h"><h2 id="failures-h">Recent failed checks</h2>
            """);
        if (m.Failures.Count == 0)
        {
            w.Add($"""<p class="muted">None.</p></section>""");
            return w.ToHtml();
        }

        w.Add($"""
            <div class="table-wrap"><table class="checks">
            <thead><tr><th scope="col">When</th><th scope="col">Item</th><th scope="col">Check</th><th scope="col">Summary</th></tr></thead>
            <tbody>
            """);
        foreach (var check in m.Failures)
        {
            w.Add($"""<tr><td>{Format.Time(check.CreatedAt)}</td><td><a href="/work/{check.WorkItemKey}">{check.WorkItemKey}</a></td><td>{SafeUrl.Link(check.Url, check.Name)}</td><td>{check.Summary}</td></tr>""");
        }

        w.Add($"</tbody></table></div></section>");
        return w.ToHtml();
    }
}
