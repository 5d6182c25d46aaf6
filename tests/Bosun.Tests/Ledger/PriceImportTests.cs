using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Ledger;

public sealed class PriceImportTests
{
    // The shape of genai-prices' data.json, with made-up prices: a flat price, a tiered one and one that changed on a date.
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
            {"id": "gpt-test-image", "match": {"equals": "gpt-test-image"}, "prices": {"output_mtok": 40}}
          ]}
        ]
        """.Replace("CODEX_INPUT", codexInput.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory, BothStores]
    public async Task A_genai_prices_file_is_read_by_its_shape_and_the_answer_names_models_added_and_changed(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var first = await acme.Owner.PostRawAsync("/api/v1/prices/import", GenAiFile(1.5m));
        var again = await acme.Owner.PostRawAsync("/api/v1/prices/import?effective_from=2099-01-01T00:00:00Z", GenAiFile(1.25m));
        var prices = (await acme.Owner.GetJsonAsync("/api/v1/prices?q=gpt-test&at=2099-06-01T00:00:00Z")).EnumerateArray().ToDictionary(p => p.Str("model"));

        var imported = await first.ReadSuccessAsync();
        Assert.Equal("genai-prices", imported.Str("format"));
        Assert.Equal(["gpt-test-codex", "gpt-test-dated", "gpt-test-long"], imported.GetProperty("added").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(0, imported.GetProperty("skipped").GetInt32());
        var changed = await again.ReadSuccessAsync();
        Assert.Empty(changed.GetProperty("added").EnumerateArray());
        Assert.Equal(2, changed.GetProperty("skipped").GetInt32());
        Assert.Equal(["gpt-test-codex"], changed.GetProperty("changed").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(1.25m, prices["gpt-test-codex"].GetProperty("input_usd_per_mtok").GetDecimal());
        Assert.Equal(0.1m, prices["gpt-test-codex"].GetProperty("cache_read_usd_per_mtok").GetDecimal());
        Assert.Equal(2m, prices["gpt-test-dated"].GetProperty("input_usd_per_mtok").GetDecimal());
        var tiered = prices["gpt-test-long"];
        Assert.Equal(272_000, tiered.GetProperty("long_context_threshold").GetInt64());
        Assert.Equal(22.5m, tiered.GetProperty("long_output_usd_per_mtok").GetDecimal());
        Assert.DoesNotContain("gpt-test-image", prices.Keys);
    }

    [Fact]
    public async Task Prices_import_prints_the_models_it_added_and_changed_and_tells_litellm_files_apart()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var dir = Directory.CreateTempSubdirectory();
        var genai = Path.Combine(dir.FullName, "data.json");
        var litellm = Path.Combine(dir.FullName, "litellm.json");
        await File.WriteAllTextAsync(genai, GenAiFile(1.5m));
        await File.WriteAllTextAsync(litellm, """{"sample_spec": {}, "lite-test": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "mode": "chat"}}""");

        var report = await cli.OkAsync("prices", "import", genai);
        var json = (await cli.OkAsync("prices", "import", litellm, "--json")).Json();

        Assert.Contains("genai-prices", report.Output);
        Assert.Contains("Added (3): gpt-test-codex, gpt-test-dated, gpt-test-long", report.Output);
        Assert.Contains("Changed (0): none", report.Output);
        Assert.Equal("litellm", json.Str("format"));
        Assert.Equal(["lite-test"], json.GetProperty("added").EnumerateArray().Select(m => m.GetString()));
        dir.Delete(true);
    }
}
