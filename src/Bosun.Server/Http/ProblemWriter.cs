using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Bosun.Server.Http;

/// Turns every failure into RFC 7807 problem details. User mistakes never surface as 500s: malformed
/// JSON, wrong types and unknown enum values name the field; races on unique keys become 409.
public sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    private static readonly Dictionary<string, IReadOnlyCollection<string>> EnumValues = new()
    {
        ["Priority"] = EnumNames<Bosun.Core.Planning.Priority>.All,
        ["WorkStatus"] = EnumNames<Bosun.Core.Planning.WorkStatus>.All,
        ["ProjectStatus"] = EnumNames<Bosun.Core.Planning.ProjectStatus>.All,
        ["GoalStatus"] = EnumNames<Bosun.Core.Planning.GoalStatus>.All,
        ["PersonRole"] = EnumNames<Bosun.Core.Identity.PersonRole>.All,
        ["PersonStatus"] = EnumNames<Bosun.Core.Identity.PersonStatus>.All,
        ["ApprovalStatus"] = EnumNames<Bosun.Core.Governance.ApprovalStatus>.All,
    };

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var problem = Translate(ex);
            if (problem.Status >= 500)
            {
                logger.LogError(ex, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            }

            await WriteAsync(context, problem);
        }
    }

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
            case DbUpdateException update when IsUniqueViolation(update):
                return ProblemException.Conflict("The change conflicts with data that was saved at the same time; retry the request.");
            case DbUpdateException update when IsForeignKeyViolation(update):
                return ProblemException.Conflict("The change refers to something that no longer exists.");
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
        var problem = new ProblemException(400, "Invalid request", bad.Message, "/problems/validation");
        problem.Errors[field] = [bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && field == "body" ? "a JSON body is required" : "has an invalid value"];
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
        else if (json.Path is null or "$" && json.Message.Contains("could not be converted", StringComparison.Ordinal) is false)
        {
            message = "is not valid JSON";
        }
        else
        {
            var typeName = TypeName().Match(json.Message) is { Success: true } t ? t.Groups["type"].Value : null;
            message = typeName is not null && EnumValues.TryGetValue(typeName, out var values)
                ? $"must be one of: {string.Join(", ", values)}"
                : typeName is not null ? $"has the wrong type (expected {Friendly(typeName)})" : "is not valid JSON";
        }

        var problem = new ProblemException(400, "Invalid request", $"'{field}' {message}.", "/problems/validation");
        problem.Errors[field] = [message];
        return problem;
    }

    private static string Friendly(string type) => type switch
    {
        "String" => "a string",
        "Int32" or "Int64" => "an integer",
        "Double" or "Decimal" => "a number",
        "Boolean" => "true or false",
        "DateTimeOffset" or "DateTime" => "an ISO 8601 date-time",
        _ when type.StartsWith("IReadOnlyList", StringComparison.Ordinal) || type.StartsWith("List", StringComparison.Ordinal) => "an array",
        _ => type,
    };

    private static bool IsUniqueViolation(DbUpdateException ex) => ex.InnerException switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.Sqlite.SqliteException lite => lite.SqliteErrorCode == 19 && lite.Message.Contains("UNIQUE", StringComparison.Ordinal),
        _ => false,
    };

    private static bool IsForeignKeyViolation(DbUpdateException ex) => ex.InnerException switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.ForeignKeyViolation,
        Microsoft.Data.Sqlite.SqliteException lite => lite.SqliteErrorCode == 19 && lite.Message.Contains("FOREIGN KEY", StringComparison.Ordinal),
        _ => false,
    };

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

    [GeneratedRegex(@"converted to (?:[\w\.`\[\]]+\.)?(?<type>[A-Za-z]+)")]
    private static partial Regex TypeName();
}
