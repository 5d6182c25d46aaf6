using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Bosun.Server;

public enum LogFormat
{
    Text,
    Json,
}

/// What a server writes to its console: warnings and errors, Bosun's start-up lines, and at `information` one line
/// per request in place of ASP.NET Core's own.
public static class ServerLogging
{
    public const string StartupCategory = "Bosun.Startup";
    public const string RequestCategory = "Bosun.Requests";

    public static readonly IReadOnlyDictionary<string, LogLevel> Levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase)
    {
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["information"] = LogLevel.Information,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
    };

    public static void AddBosunLogging(this ILoggingBuilder logging, BosunServerOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }

        logging.SetMinimumLevel(options.LogLevel);
        logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        if (options.LogLevel == LogLevel.Information)
        {
            // ASP.NET Core writes six lines per request at this level; Bosun's one line replaces them.
            logging.AddFilter("Microsoft", LogLevel.Warning);
        }

        logging.AddFilter(StartupCategory, (LogLevel)Math.Min((int)options.LogLevel, (int)LogLevel.Information));

        // The MCP library writes whole protocol messages at Debug and Trace, and a get_secret answer carries a secret's
        // value: its lines below Information are never written, whatever level is asked for.
        logging.AddFilter("ModelContextProtocol", (LogLevel)Math.Max((int)options.LogLevel, (int)LogLevel.Information));
    }
}

/// One line per request: method, path, status, elapsed time and request id. Never the query string or headers, and
/// a route value named like a token (an invitation link's) is masked, since either may carry a secret.
public sealed class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(ServerLogging.RequestCategory);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            _logger.LogInformation("{Method} {Path} {Status} {ElapsedMs:0.0} ms {RequestId}",
                context.Request.Method, MaskedPath(context), status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.TraceIdentifier);
        }
    }

    internal static string MaskedPath(HttpContext context)
    {
        var path = context.Request.PathBase.Add(context.Request.Path).ToString();
        foreach (var (name, value) in context.GetRouteData().Values)
        {
            if (name.Contains("token", StringComparison.OrdinalIgnoreCase) && value is string { Length: > 0 } secret)
            {
                path = path.Replace(Uri.EscapeDataString(secret), "***", StringComparison.Ordinal).Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return path;
    }
}
