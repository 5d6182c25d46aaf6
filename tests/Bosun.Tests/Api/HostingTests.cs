using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Api;

public sealed class HostingTests
{
    /// The SQLite database lives under the working directory by default and is written many times a second; a watch
    /// on the configuration files there is woken by every one of those writes.
    [Fact]
    public async Task The_server_watches_no_configuration_file_for_changes()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var files = ((IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>()).Providers.OfType<FileConfigurationProvider>().ToList();

        Assert.NotEmpty(files);
        Assert.Empty(files.Where(f => f.Source.ReloadOnChange).Select(f => f.Source.Path));
    }
}
