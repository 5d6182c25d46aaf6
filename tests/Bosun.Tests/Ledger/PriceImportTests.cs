using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Ledger;

public sealed class PriceImportTests
{
    // The shape of genai-prices' data.json. The gpt-test-* prices and Haiku's are made up; gpt-5.3-codex and Sonnet 4.6
    // carry the prices Bosun ships, so they are unchanged. A flat price, a tiered one and one that changed on a date.
    private static string GenAiFile(decimal codexInput) => """
        [
          {"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com", "models": [
            {"id": "gpt-test-codex", "name": "GPT Test Codex", "match": {"equals": "gpt-test-codex"},
             "prices": {"input_mtok": CODEX_INPUT, "cache_read_mtok": 0.1, "output_mtok": 8}},
            {"id": "gpt-test-long", "match": {"starts_with": "gpt-test-long"},
             "prices": {"input_mtok": {"base": 2.5, "tiers": [{"start": 272000, "price": 5}]}, "output_mtok": {"base": 15, "tiers": [{"start": 272000, "price": 22.5}]}}},
            {"id": "gpt-test-dated", "match": {"equals": "gpt-test-dated"},
             "prices": [{"prices": {"input_mtok": 3, "output_mtok": 12}}, {"constraint": {"type": "start_date", "start_date": "2020-01-01"}, "prices": {"input_mtok": 2, "output_mtok": 9}},
                        {"constraint": {"type": "time_of_date", "start_time": "16:30:00Z", "end_time": "00:30:00Z"}, "prices": {"input_mtok": 1, "output_mtok": 4}}]},
            {"id": "gpt-test-image", "match": {"equals": "gpt-test-image"}, "prices": {"output_mtok": 40}},
            {"id": "gpt-5.3-codex", "match": {"starts_with": "gpt-5.3-codex"}, "prices": {"input_mtok": 1.75, "cache_read_mtok": 0.175, "output_mtok": 14}}
          ]},
          {"id": "anthropic", "name": "Anthropic", "api_pattern": "https://api\\.anthropic\\.com", "model_match": {"contains": "claude"}, "models": [
            {"id": "claude-sonnet-4-6", "match": {"starts_with": "claude-sonnet-4-6"},
             "prices": {"input_mtok": 3, "cache_write_mtok": 3.75, "cache_read_mtok": 0.3, "output_mtok": 15}},
            {"id": "claude-haiku-4-5", "match": {"starts_with": "claude-haiku-4-5"},
             "prices": {"input_mtok": 1.1, "cache_write_mtok": 1.375, "cache_read_mtok": 0.11, "output_mtok": 5.5}}
          ]}
        ]
        """.Replace("CODEX_INPUT", codexInput.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static IEnumerable<string?> Names(System.Text.Json.JsonElement result, string field) =>
        result.GetProperty(field).EnumerateArray().Select(m => m.GetString());

    [Theory, BothStores]
    public async Task A_genai_prices_file_is_read_by_its_shape_and_reports_models_added_changed_with_old_and_new_prices_and_unchanged(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var first = await (await acme.Owner.PostRawAsync("/api/v1/prices/import", GenAiFile(1.5m))).ReadSuccessAsync();
        var again = await (await acme.Owner.PostRawAsync("/api/v1/prices/import?effective_from=2099-01-01T00:00:00Z&format=genai-prices", GenAiFile(1.25m)))
            .ReadSuccessAsync();
        var prices = (await acme.Owner.GetJsonAsync("/api/v1/prices?at=2099-06-01T00:00:00Z")).EnumerateArray().ToDictionary(p => p.Str("model"));

        Assert.Equal("genai-prices", first.Str("format"));
        Assert.Equal(["gpt-test-codex", "gpt-test-dated", "gpt-test-long"], Names(first, "added"));
        Assert.Equal(["claude-haiku-4-5"], Names(first, "changed"));
        Assert.Equal(["claude-sonnet-4-6", "gpt-5.3-codex"], Names(first, "unchanged"));
        var haiku = first.GetProperty("changes").EnumerateArray().Single(c => c.Str("model") == "claude-haiku-4-5");
        Assert.Equal(("bosun", 1m, 1.1m), (haiku.GetProperty("old").Str("source"), haiku.GetProperty("old").GetProperty("input_usd_per_mtok").GetDecimal(),
            haiku.GetProperty("new").GetProperty("input_usd_per_mtok").GetDecimal()));

        Assert.Empty(again.GetProperty("added").EnumerateArray());
        Assert.Equal(["gpt-test-codex"], Names(again, "changed"));
        var codex = Assert.Single(again.GetProperty("changes").EnumerateArray());
        Assert.Equal(("tenant", 1.5m, 1.25m), (codex.GetProperty("old").Str("source"), codex.GetProperty("old").GetProperty("input_usd_per_mtok").GetDecimal(),
            codex.GetProperty("new").GetProperty("input_usd_per_mtok").GetDecimal()));
        Assert.Equal(1.25m, prices["gpt-test-codex"].GetProperty("input_usd_per_mtok").GetDecimal());
        Assert.Equal(0.1m, prices["gpt-test-codex"].GetProperty("cache_read_usd_per_mtok").GetDecimal());
        Assert.Equal(2m, prices["gpt-test-dated"].GetProperty("input_usd_per_mtok").GetDecimal());
        var tiered = prices["gpt-test-long"];
        Assert.Equal((2.5m, 272_000L, 22.5m), (tiered.GetProperty("input_usd_per_mtok").GetDecimal(), tiered.GetProperty("long_context_threshold").GetInt64(),
            tiered.GetProperty("long_output_usd_per_mtok").GetDecimal()));
        Assert.Equal("bosun", prices["gpt-5.3-codex"].Str("source"));
        Assert.DoesNotContain("gpt-test-image", prices.Keys);
    }

    [Theory, BothStores]
    public async Task A_price_file_of_an_unknown_shape_is_refused_naming_where_it_goes_wrong_and_nothing_is_stored(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var badRate = await (await acme.Owner.PostRawAsync("/api/v1/prices/import",
            """[{"id": "openai", "models": [{"id": "gpt-fine", "prices": {"input_mtok": 1, "output_mtok": 2}}, {"id": "gpt-odd", "prices": {"input_mtok": "cheap", "output_mtok": 2}}]}]"""))
            .ProblemAsync(HttpStatusCode.BadRequest);
        var notProviders = await (await acme.Owner.PostRawAsync("/api/v1/prices/import", """["gpt-5", "claude"]""")).ProblemAsync(HttpStatusCode.BadRequest);
        var nothing = await (await acme.Owner.PostRawAsync("/api/v1/prices/import", """{"gpt-none": {"max_tokens": 10}}""")).ProblemAsync(HttpStatusCode.BadRequest);
        var forced = await (await acme.Owner.PostRawAsync("/api/v1/prices/import?format=genai-prices", """{"lite": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}"""))
            .ProblemAsync(HttpStatusCode.BadRequest);
        var format = await (await acme.Owner.PostRawAsync("/api/v1/prices/import?format=yaml", "[]")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("$[0].models[1].prices.input_mtok", badRate.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Contains("$ must be", notProviders.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Contains("nothing to import", nothing.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Contains("genai-prices", forced.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.True(format.GetProperty("errors").TryGetProperty("format", out _));
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/prices?q=gpt-fine")).EnumerateArray());
    }

    [Fact]
    public async Task Prices_import_prints_the_models_it_added_and_changed_tells_litellm_files_apart_and_names_a_bad_file()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var dir = Directory.CreateTempSubdirectory();
        var genai = Path.Combine(dir.FullName, "data.json");
        var litellm = Path.Combine(dir.FullName, "litellm.json");
        var broken = Path.Combine(dir.FullName, "broken.json");
        var odd = Path.Combine(dir.FullName, "odd.json");
        await File.WriteAllTextAsync(genai, GenAiFile(1.5m));
        await File.WriteAllTextAsync(litellm, """{"sample_spec": {}, "lite-test": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "mode": "chat"}}""");
        await File.WriteAllTextAsync(broken, """{"lite-test": {"input_cost_per_token": 1e-06,""");
        await File.WriteAllTextAsync(odd, """[{"id": "openai", "models": {"gpt-5": 1}}]""");

        var report = await cli.OkAsync("prices", "import", genai);
        var json = (await cli.OkAsync("prices", "import", litellm, "--json", "--format", "litellm")).Json();
        var notJson = await cli.RunAsync("prices", "import", broken);
        var wrongShape = await cli.RunAsync("prices", "import", odd);

        Assert.Contains("Read a genai-prices file: 3 added, 1 changed, 2 unchanged", report.Output);
        Assert.Contains("claude-haiku-4-5", report.Output);
        Assert.Contains("keep their cost", report.Output);
        Assert.Equal("litellm", json.Str("format"));
        Assert.Equal(["lite-test"], Names(json, "added"));
        Assert.Equal(2, notJson.ExitCode);
        Assert.Contains(broken, notJson.Error.ReplaceLineEndings(""));
        Assert.Equal(2, wrongShape.ExitCode);
        Assert.Contains(odd, wrongShape.Error.ReplaceLineEndings(""));
        Assert.Contains("$[0].models", wrongShape.Error);
        dir.Delete(true);
    }
}
