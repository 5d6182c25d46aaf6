using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Bosun.Tests.Infrastructure;

/// Keeps the last errors the in-process servers logged, so a test that gets a 500 fails with the server's
/// exception in its message instead of only "the error was logged".
public sealed class ServerErrors : ILoggerProvider
{
    private static readonly ConcurrentQueue<string> Recent = new();

    public ILogger CreateLogger(string categoryName) => new Logger();

    public void Dispose()
    {
    }

    /// The errors logged for requests to this path, newest last.
    public static string For(string? path) =>
        string.Join("\n---\n", Recent.Where(e => path is null || e.Contains(path, StringComparison.Ordinal)).TakeLast(3));

    private sealed class Logger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Error)
            {
                return;
            }

            Recent.Enqueue($"{formatter(state, exception)}\n{exception}");
            while (Recent.Count > 50 && Recent.TryDequeue(out _))
            {
            }
        }
    }
}
