using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DevServe.Tests;

/// <summary>Loggers for tests: a quiet one, and one that records lines so a test can assert on them.</summary>
public sealed class TestLog : ILoggerProvider
{
    public static readonly ILoggerFactory Quiet = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.None));

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _firstError = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<string> Lines => _lines;

    public Task FirstError => _firstError.Task;

    public ILoggerFactory Factory() => LoggerFactory.Create(b => b.AddProvider(this).SetMinimumLevel(LogLevel.Information));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            log._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.Message}");
            if (logLevel >= LogLevel.Error)
            {
                log._firstError.TrySetResult();
            }
        }
    }
}
