using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Server.Http;

/// Endpoints that open their own short transactions (long polls, streams, the agent loop's hot calls) carry this
/// marker. With <see cref="UnlessIdempotencyKey"/>, a request that sends an Idempotency-Key still runs in the
/// request's transaction, so its first response is stored and replayed like any other.
public sealed class OwnsTransactionAttribute : Attribute
{
    public bool UnlessIdempotencyKey { get; init; }
}

/// Response fields holding a secret that is shown once. The stored copy for idempotent replay leaves
/// them out, so the database never holds a usable secret; a replay answers them as null.
public sealed class ShownOnceAttribute(params string[] fields) : Attribute
{
    public IReadOnlyList<string> Fields { get; } = fields;
}

/// One API request is one transaction: the mutation, its audit rows and its idempotency record commit
/// together before the client sees a success, and any error rolls all of it back. A POST or PATCH with
/// an Idempotency-Key is answered from the stored first response when retried with the same body.
public sealed class UnitOfWorkMiddleware(RequestDelegate next, TimeProvider clock)
{
    private const string KeyHeader = "Idempotency-Key";

    public async Task InvokeAsync(HttpContext context, BosunDb db)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || !(context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/otlp")) || OwnsTransaction(endpoint, context.Request))
        {
            await next(context);
            return;
        }

        var method = context.Request.Method;
        var write = !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);
        var key = write && db.Context.HasTenant && (HttpMethods.IsPost(method) || HttpMethods.IsPatch(method) || HttpMethods.IsPut(method))
            ? context.Request.Headers[KeyHeader].ToString()
            : "";
        if (key.Length > 200)
        {
            throw ProblemException.Invalid(KeyHeader, "must be at most 200 characters");
        }

        await using var transaction = await TransactionExtensions.BeginAsync(db, write, context.RequestAborted);
        string? requestHash = null;
        if (key.Length > 0)
        {
            requestHash = await HashRequestAsync(context, db.Context);
            var previous = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Key == key, context.RequestAborted);
            if (previous is not null && IdempotencyJanitor.Expired(previous, clock.GetUtcNow().UtcDateTime))
            {
                // Past its retention and not yet pruned: the key starts over.
                await db.IdempotencyRecords.Where(r => r.Key == key).ExecuteDeleteAsync(context.RequestAborted);
                previous = null;
            }

            if (previous is not null)
            {
                if (previous.RequestHash != requestHash)
                {
                    throw new ProblemException(422, "Idempotency key reused",
                        $"The {KeyHeader} '{key}' was already used for a different request.", "/problems/idempotency-key-reused");
                }

                await ReplayAsync(context, previous);
                return;
            }
        }

        if (!write)
        {
            await next(context);
            await transaction.CommitAsync(context.RequestAborted);
            return;
        }

        // Hold the response until the commit: a client must never see success for a write that then fails.
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
            if (context.Response.StatusCode < 400)
            {
                if (requestHash is not null)
                {
                    db.IdempotencyRecords.Add(new IdempotencyRecord
                    {
                        Key = key,
                        RequestHash = requestHash,
                        StatusCode = context.Response.StatusCode,
                        ContentType = context.Response.ContentType,
                        Location = context.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                        ResponseBody = WithoutSecrets(buffer.ToArray(), endpoint.Metadata.GetMetadata<ShownOnceAttribute>()),
                        CreatedAt = clock.GetUtcNow().UtcDateTime,
                    });
                    await db.SaveChangesAsync(context.RequestAborted);
                }

                await transaction.CommitAsync(context.RequestAborted);
            }
            else
            {
                await transaction.RollbackAsync(context.RequestAborted);
            }
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static bool OwnsTransaction(Endpoint endpoint, HttpRequest request) =>
        Transactions.ServiceOwns(endpoint.Metadata.GetMetadata<OwnsTransactionAttribute>(), request.Headers.ContainsKey(KeyHeader));

    private static byte[] WithoutSecrets(byte[] body, ShownOnceAttribute? secrets)
    {
        if (secrets is null || JsonNode.Parse(body) is not JsonObject json)
        {
            return body;
        }

        foreach (var field in secrets.Fields.Where(json.ContainsKey))
        {
            json[field] = null;
        }

        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    private static async Task<string> HashRequestAsync(HttpContext context, RequestContext request)
    {
        context.Request.EnableBuffering();
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        context.Request.Body.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{context.Request.Method}\n{context.Request.Path}{context.Request.QueryString}\n{request.Actor.Ref}\n"));
        hash.AppendData(body.ToArray());
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord previous)
    {
        context.Response.StatusCode = previous.StatusCode;
        if (previous.ContentType is not null)
        {
            context.Response.ContentType = previous.ContentType;
        }

        if (previous.Location is not null)
        {
            context.Response.Headers.Location = previous.Location;
        }

        context.Response.Headers["Idempotent-Replayed"] = "true";
        await context.Response.Body.WriteAsync(previous.ResponseBody, context.RequestAborted);
    }
}
