using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Bosun.Server.Http;

/// Turns every failure into RFC 7807 problem details. User mistakes never surface as 500s: malformed
/// JSON, wrong types and unknown enum values name the field; races on unique keys become 409.
public sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentType is null
                && (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/otlp")))
            {
                await WriteAsync(context, ForBareStatus(context));
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var problem = Translate(ex);
            if (problem.Status == 503)
            {
                // Nothing was saved and the client retries; an operator still wants to see the database struggling.
                logger.LogWarning("Request {Method} {Path} answered busy: {Reason}", context.Request.Method, context.Request.Path, ex.GetBaseException().Message);
            }
            else if (problem.Status >= 500)
            {
                logger.LogError(ex, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            }

            await WriteAsync(context, problem);
        }
    }

    /// Routing answers an unknown path, method or content type, and the body binder an oversized body,
    /// with a bare status code; the client still gets to read what went wrong.
    private static ProblemException ForBareStatus(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var problem = status switch
        {
            404 => new ProblemException(404, "Not found", "No such API endpoint.", "/problems/not-found"),
            405 => new ProblemException(405, "Method not allowed", $"{context.Request.Method} is not allowed on {context.Request.Path}.", "/problems/method-not-allowed"),
            413 => new ProblemException(413, "Request body too large", "The request body is larger than this endpoint accepts.", "/problems/too-large"),
            415 => new ProblemException(415, "Unsupported media type", "Send the body as application/json.", "/problems/unsupported-media-type"),
            _ => new ProblemException(status, ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } reason ? reason : "Error"),
        };
        foreach (var header in new[] { HeaderNames.Allow, HeaderNames.WWWAuthenticate })
        {
            if (context.Response.Headers[header].ToString() is { Length: > 0 } value)
            {
                problem.Headers[header] = value;
            }
        }

        return problem;
    }

    // A statement that ran past its command timeout (an overloaded database) did not commit either: the client is
    // told to come back, as for a deadlock, rather than that Bosun failed. Npgsql does not report a timeout that strikes
    // while it finishes reading a result it has already handed over (it treats the cancelled rest as read), so such a
    // timeout surfaces only at the transaction's next statement, as "current transaction is aborted": the same case.
    private static bool IsContention(Exception? ex) => ex switch
    {
        null => false,
        Npgsql.PostgresException pg => pg.SqlState is Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure
            or Npgsql.PostgresErrorCodes.QueryCanceled or Npgsql.PostgresErrorCodes.InFailedSqlTransaction,
        Npgsql.NpgsqlException { InnerException: TimeoutException } => true,
        _ => IsContention(ex.InnerException),
    };

    public static ProblemException Translate(Exception ex)
    {
        switch (ex)
        {
            case ProblemException p:
                return p;
            case BadHttpRequestException bad:
                return FromBadRequest(bad);
            case JsonException json:
                return FromJson(json);
            case DbUpdateException update when DbErrors.IsUniqueViolation(update):
                return ProblemException.Conflict("The change conflicts with data that was saved at the same time; retry the request.");
            case DbUpdateException update when DbErrors.IsForeignKeyViolation(update):
                return ProblemException.Conflict("The change refers to something that no longer exists.");
            case var _ when IsContention(ex):
                // PostgreSQL aborted the transaction to break a deadlock or serialization conflict; nothing was saved.
                var busy = new ProblemException(503, "Busy", "The database aborted this request under contention and nothing was saved; retry it.", "/problems/busy");
                busy.Headers["Retry-After"] = "1";
                return busy;
            default:
                return new ProblemException(500, "Internal error", "Bosun failed to handle the request; the error was logged.", "/problems/internal");
        }
    }

    private static ProblemException FromBadRequest(BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new ProblemException(413, "Request body too large", bad.Message, "/problems/too-large");
        }

        if (bad.InnerException is JsonException json)
        {
            return FromJson(json);
        }

        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return new ProblemException(415, "Unsupported media type", "Send the body as application/json.", "/problems/unsupported-media-type");
        }

        // "Failed to bind parameter "int? limit" from "abc"." names the query parameter.
        var field = ParameterName().Match(bad.Message) is { Success: true } m ? m.Groups["name"].Value : "body";
        var missingBody = field == "body" && bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase);
        var problem = new ProblemException(400, "Invalid request",
            missingBody ? "A JSON body is required." : $"'{field}' has an invalid value.", "/problems/validation");
        problem.Errors[field] = [missingBody ? "a JSON body is required" : "has an invalid value"];
        return problem;
    }

    private static ProblemException FromJson(JsonException json)
    {
        var field = json.Path is { Length: > 2 } path ? path[2..] : "body";
        string message;
        if (json.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            message = "is not a known field";
        }
        else if (json.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            message = TypeName().Match(json.Message) is { Success: true } t && ExpectedType(t.Groups["type"].Value, field) is { } expected
                ? Expectation(expected)
                : "has the wrong type";
        }
        else
        {
            // A syntax error belongs to the document, not to the field the reader had reached.
            field = "body";
            message = json.LineNumber is { } line && json.BytePositionInLine is { } column
                ? $"is not valid JSON (line {line + 1}, byte {column + 1})"
                : "is not valid JSON";
        }

        var problem = new ProblemException(400, "Invalid request", $"'{field}' {message}.", "/problems/validation");
        problem.Errors[field] = [message];
        return problem;
    }

    /// The serializer names either the value's type or, for records bound through their constructor, the
    /// record; in that case the field's own type is the record property with the field's JSON name.
    private static Type? ExpectedType(string typeName, string field)
    {
        typeName = NullableOf().Match(typeName) is { Success: true } inner ? inner.Groups["type"].Value : typeName;
        var named = Type.GetType(typeName, throwOnError: false)
                    ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName, throwOnError: false)).FirstOrDefault(t => t is not null);
        if (named is null)
        {
            return null;
        }

        if (named.IsPrimitive || named.IsEnum || named.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
        {
            return named;
        }

        var property = named.GetProperties().FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == field);
        return property?.PropertyType ?? named;
    }

    private static string Expectation(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return $"must be one of: {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}";
        }

        var expected = type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "an integer",
            _ when type == typeof(double) || type == typeof(decimal) || type == typeof(float) => "a number",
            _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => "an ISO 8601 date-time",
            _ when typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "an array",
            _ => "an object",
        };
        return $"has the wrong type (expected {expected})";
    }

    public static async Task WriteAsync(HttpContext context, ProblemException problem)
    {
        context.Response.Clear();
        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = "application/problem+json";
        foreach (var (name, value) in problem.Headers)
        {
            context.Response.Headers[name] = value;
        }

        var body = new Dictionary<string, object?>
        {
            ["type"] = problem.Type,
            ["title"] = problem.Title,
            ["status"] = problem.Status,
            ["detail"] = problem.Detail,
            ["instance"] = context.Request.Path.Value,
            ["request_id"] = context.TraceIdentifier,
        };
        if (problem.Errors.Count > 0)
        {
            body["errors"] = problem.Errors;
        }

        foreach (var (name, value) in problem.Extensions)
        {
            body[name] = value;
        }

        await JsonSerializer.SerializeAsync(context.Response.Body, body, BosunJson.Options, context.RequestAborted);
    }

    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"converted to (?<type>[^\s]+?)\.?(?:\s+Path:|$)")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"^System\.Nullable`1\[\[?(?<type>[^,\]]+)")]
    private static partial Regex NullableOf();
}
