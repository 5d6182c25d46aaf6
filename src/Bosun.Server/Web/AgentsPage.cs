using Bosun.Core.Common;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Bosun.Core.Ledger;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// The tenant's agents: whether they are on or paused by a provider's limit, what they run now, what they spent this
/// month, when they were last heard from; switch them on or off, lift a pause, and give them tokens.
internal static class AgentsPage
{
    private sealed record Row(AgentView Agent, RunView? Run, string? RunItemKey, decimal SpentUsd);

    private sealed record Model(IReadOnlyList<Row> Rows, DateTime Now, bool MayManage);

    /// A token just created: its secret is on this one response and nowhere else.
    private sealed record NewToken(string AgentName, IssuedToken Token);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/agents", (HttpContext http, CancellationToken _) => ShowAsync(http, FormState.Empty, null));

        app.MapPost("/agents/{id}/enabled", async (string id, HttpContext http, AgentService agents) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var enabled = form["enabled"] == "true";
                var updated = await http.WriteAsync(c => agents.UpdateAsync(id,
                    new AgentRequest(null, null, null, null, null, null, null, null, null, null, enabled, null), c));
                Layout.SetFlash(http, $"{updated.Name} is {(updated.Enabled ? "enabled" : "disabled")}.");
                return (IResult)new SeeOther("/agents");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                return await ShowAsync(http, new FormState(form, problem, id), null, problem.Status);
            }
        });

        app.MapPost("/agents/{id}/resume", async (string id, HttpContext http, AgentService agents) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var resumed = await http.WriteAsync(c => agents.ResumeAsync(id, c));
                Layout.SetFlash(http, $"{resumed.Name} claims work again.");
                return (IResult)new SeeOther("/agents");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                return await ShowAsync(http, new FormState(form, problem, id), null, problem.Status);
            }
        });

        app.MapPost("/agents/{id}/tokens", async (string id, HttpContext http, AgentService agents, TokenService tokens, TimeProvider clock) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                if (!int.TryParse(form["expires_in_days"], out var days) || days is < 0 or > 3650)
                {
                    throw ProblemException.Invalid("expires_in_days", "must be between 0 (never) and 3650 days");
                }

                var issued = await http.WriteAsync(async c =>
                {
                    var agent = await agents.GetAsync(id, c);
                    var name = BoardPage.Optional(form["name"]) ?? $"{agent.Name} token";
                    DateTimeOffset? expires = days == 0 ? null : clock.GetUtcNow().AddDays(days);
                    return new NewToken(agent.Name, await tokens.CreateAsync(new CreateToken(name, agent.Id, null, expires), c));
                });
                return await ShowAsync(http, FormState.Empty, issued);
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                return await ShowAsync(http, new FormState(form, problem, id), null, problem.Status);
            }
        });
    }

    private static async Task<HtmlResult> ShowAsync(HttpContext http, FormState form, NewToken? issued, int status = 200)
    {
        var services = http.RequestServices;
        var model = await http.ReadAsync(c => LoadAsync(services, c));
        return Layout.Page(http, "Agents", Nav.Agents, Render(http, model, form, issued), status);
    }

    private static async Task<Model> LoadAsync(IServiceProvider services, CancellationToken ct)
    {
        var clock = services.GetRequiredService<TimeProvider>();
        var now = clock.GetUtcNow().UtcDateTime;
        var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var roster = await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), ct);
        var active = (await services.GetRequiredService<RunService>().ListAsync(new RunFilter(null, null, RunStatus.Active), new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var runByAgent = active.Where(r => r.AgentId is not null).GroupBy(r => r.AgentId!).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.StartedAt).First());
        var itemIds = runByAgent.Values.Select(r => r.WorkItemId).Distinct().ToList();
        var keys = new Dictionary<string, string>();
        var items = services.GetRequiredService<WorkItemService>();
        foreach (var itemId in itemIds)
        {
            keys[itemId] = (await items.GetAsync(itemId, ct)).Key;
        }

        var spend = (await services.GetRequiredService<CostReportService>().SummaryAsync(month, month.AddMonths(1), "agent", 0, ct)).Rows.ToDictionary(r => r.Key, r => r.CostUsd);
        var rows = roster.Agents.Select(a =>
        {
            var run = runByAgent.GetValueOrDefault(a.Id);
            return new Row(a, run, run is null ? null : keys.GetValueOrDefault(run.WorkItemId), spend.GetValueOrDefault(a.Id));
        }).ToList();
        return new Model(rows, now, Permissions.Has(services.GetRequiredService<RequestContext>(), Capability.ManageAgents));
    }

    /// A pause after a provider's limit ends by itself at its time; until then the agent claims nothing.
    private static Html Paused(AgentView agent) => agent.ClaimsPausedUntil is { } until
        ? Html.Of($""" <span class="status agent-paused" title="Claims resume by themselves at this time">paused until {Format.Time(until)} ({ProviderLimit.Describe(agent.PauseReason)})</span>""")
        : Html.Empty;

    private static Html ResumeButton(HttpContext http, AgentView agent) => agent.ClaimsPausedUntil is null
        ? Html.Empty
        : Html.Of($"""<form method="post" action="/agents/{agent.Id}/resume" class="inline">{Layout.Token(http)}<button type="submit">Resume {agent.Name} now</button></form>""");

    private static Html Render(HttpContext http, Model m, FormState form, NewToken? issued)
    {
        var w = new HtmlWriter();
        w.Add($"<h1>Agents</h1>");
        if (issued is not null)
        {
            w.Add($"""
                <div class="notice ok secret" role="status">
                <p>Created token <strong>{issued.Token.Name}</strong> for {issued.AgentName}{(issued.Token.ExpiresAt is { } e ? $", expires {Format.Time(e)}" : ", never expires")}. Copy it now: it is shown only this once.</p>
                <p><code class="token" data-testid="new-token">{issued.Token.Token}</code></p>
                </div>
                """);
        }

        if (m.Rows.Count == 0)
        {
            w.Add($"""<p class="muted">No agents yet. Register one with <code>bosun agent create NAME --role ROLE</code>.</p>""");
            return w.ToHtml();
        }

        w.Add($"""
            <div class="table-wrap"><table class="agents">
            <thead><tr><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Current run</th><th scope="col" class="num">Spend this month</th><th scope="col">Last heartbeat</th>{(m.MayManage ? Html.Raw("<th scope=\"col\">Manage</th>") : Html.Empty)}</tr></thead>
            <tbody>
            """);
        foreach (var row in m.Rows)
        {
            var agent = row.Agent;
            var prefix = $"t{agent.Id}-";
            var scoped = form.IsFor(agent.Id) ? form : FormState.Empty;
            w.Add($"""
                <tr data-agent="{agent.Name}">
                <th scope="row">{agent.Name}<br><small class="muted">{agent.Role} · {agent.Adapter}{(agent.Model is { } model ? " · " + model : "")}</small></th>
                <td><span class="status agent-{(agent.Enabled ? "enabled" : "disabled")}">{(agent.Enabled ? "enabled" : "disabled")}</span>{Paused(agent)}</td>
                <td>{(row.Run is { } run ? Html.Of($"<a href=\"/work/{row.RunItemKey}\">{row.RunItemKey}</a> <small>attempt {run.Attempt}, {Format.Duration(m.Now - run.StartedAt)}</small>") : Html.Raw("<span class=\"muted\">idle</span>"))}</td>
                <td class="num">{Format.Usd(row.SpentUsd)}</td>
                <td>{Format.Ago(agent.LastHeartbeatAt, m.Now)}</td>
                """);
            if (m.MayManage)
            {
                w.Add($"""
                    <td>
                    {scoped.Summary(agent.Id, prefix)}
                    {ResumeButton(http, agent)}
                    <form method="post" action="/agents/{agent.Id}/enabled" class="inline">{Layout.Token(http)}<input type="hidden" name="enabled" value="{(agent.Enabled ? "false" : "true")}"><button type="submit">{(agent.Enabled ? "Disable" : "Enable")} {agent.Name}</button></form>
                    <details><summary>New token</summary>
                    <form method="post" action="/agents/{agent.Id}/tokens" novalidate>
                    {Layout.Token(http)}
                    {Field.Text(scoped, "name", "Token name", $"{agent.Name} token", idPrefix: prefix, maxLength: 200)}
                    {Field.Select(scoped, "expires_in_days", "Expires", [("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("0", "never")], "90", prefix)}
                    <button type="submit">Create token</button>
                    </form>
                    </details>
                    </td>
                    """);
            }

            w.Add($"</tr>");
        }

        w.Add($"</tbody></table></div>");
        return w.ToHtml();
    }
}
