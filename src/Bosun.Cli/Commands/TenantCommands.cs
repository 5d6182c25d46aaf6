using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

public static class TenantCommands
{
    public static Command Create() => ClientCommand.Group("tenant", "Your tenant's settings", Show(), Update());

    private static Command Show() => ClientCommand.Create("show", "Show your tenant's settings", async (cli, ct) =>
    {
        var tenant = await cli.Client.GetAsync("api/v1/tenant", ct);
        return cli.Print(tenant, () => Render(cli.Out, tenant));
    });

    private static Command Update()
    {
        var name = new Option<string?>("--name") { Description = "Display name" };
        var slug = new Option<string?>("--slug") { Description = "Short name: lowercase letters, digits and dashes" };
        var plan = new Option<string?>("--plan") { Description = "Plan name" };
        var cap = new Option<decimal?>("--spend-cap") { Description = "Monthly spend cap in USD, e.g. 250 or 99.50" };
        var noCap = new Option<bool>("--no-spend-cap") { Description = "Remove the monthly spend cap" };
        var storePrompts = new Option<bool?>("--store-prompt-text") { Description = "Keep the text of prompts in the ledger (true or false)" };
        var maxRuns = new Option<int?>("--max-concurrent-runs") { Description = "Most agents' runs the tenant has at once" };
        var noMaxRuns = new Option<bool>("--no-max-concurrent-runs") { Description = "Remove the cap on the tenant's concurrent runs" };
        return ClientCommand.Create("update", "Change your tenant's name, slug, plan, monthly spend cap or cap on concurrent runs", async (cli, ct) =>
        {
            var body = new Body()
                .Set("name", cli.Get(name))
                .Set("slug", cli.Get(slug))
                .Set("plan", cli.Get(plan))
                .Set("monthly_spend_cap_usd", cli.Get(cap))
                .Set("clear_monthly_spend_cap", cli.Get(noCap) ? true : null)
                .Set("store_prompt_text", cli.Get(storePrompts))
                .Set("max_concurrent_runs", cli.Get(maxRuns))
                .Set("clear_max_concurrent_runs", cli.Get(noMaxRuns) ? true : null)
                .RequireChanges();
            var tenant = await cli.Client.PatchAsync("api/v1/tenant", body, ct);
            return cli.Print(tenant, () => Render(cli.Out, tenant));
        }, name, slug, plan, cap, noCap, storePrompts, maxRuns, noMaxRuns);
    }

    private static void Render(IAnsiConsole console, JsonElement tenant) => console.Details(
        Output.Row("Name", tenant.Text("name")),
        Output.Row("Slug", tenant.Text("slug")),
        Output.Row("Plan", tenant.Text("plan")),
        Output.Row("Monthly spend cap", tenant.Usd("monthly_spend_cap_usd") is { Length: > 0 } cap ? cap : "none"),
        Output.Row("Store prompt text", tenant.Text("store_prompt_text")),
        Output.Row("Max concurrent runs", tenant.TextOrNull("max_concurrent_runs") ?? "no cap"),
        Output.Row("Id", tenant.Text("id")),
        Output.Row("Created", tenant.Time("created_at")));
}
