using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The UI's stylesheet, scripts and icon, compiled into the assembly so they are served the same way
/// wherever Bosun runs from (the `bosun` executable, tests, a published folder). URLs carry a content hash,
/// so browsers may cache them for good.
internal static class Assets
{
    private sealed record Asset(byte[] Content, string ContentType, string Hash);

    private static readonly FrozenDictionary<string, Asset> All = Load();

    public static string Url(string name) => $"/ui/assets/{name}?v={All[name].Hash}";

    public static void MapAssets(this IEndpointRouteBuilder app) =>
        app.MapGet("/ui/assets/{name}", (string name, HttpContext http) =>
        {
            if (!All.TryGetValue(name, out var asset))
            {
                return Results.NotFound();
            }

            var etag = $"\"{asset.Hash}\"";
            http.Response.Headers.ETag = etag;
            http.Response.Headers.CacheControl = http.Request.Query["v"] == asset.Hash ? "public, max-age=31536000, immutable" : "no-cache";
            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            return http.Request.Headers.IfNoneMatch == etag
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Bytes(asset.Content, asset.ContentType);
        }).ExcludeFromDescription();

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(Assets).Assembly;
        const string prefix = "Bosun.Web.Assets.";
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[prefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[name] = new Asset(content, type, Convert.ToHexStringLower(SHA256.HashData(content))[..16]);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
