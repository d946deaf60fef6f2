using Microsoft.Extensions.Logging;

namespace DevServe;

/// <summary>
/// The servers' default logging, standard error's console logger, made only when something is logged: building it
/// (a service container, options, formatters, a writer thread) costs 70–110 ms of a 300 ms start, and a server that
/// runs well logs nothing at the levels it keeps.
/// </summary>
/// <remarks>
/// Which levels are kept is decided here, without the console logger, since Kestrel asks <c>IsEnabled</c> on every
/// connection: <see cref="LogLevel.Information"/> and up, <see cref="LogLevel.Warning"/> and up for Microsoft's own.
/// </remarks>
internal sealed class DeferredLoggerFactory : ILoggerFactory
{
    private readonly Lazy<ILoggerFactory> _console = new(() => LoggerFactory.Create(builder => builder
        .AddFilter((category, level) => IsKept(category, level))
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)));

    /// <summary>Whether a message of <paramref name="level"/> in <paramref name="category"/> is written.</summary>
    internal static bool IsKept(string? category, LogLevel level)
        => level != LogLevel.None
            && level >= (category?.StartsWith("Microsoft", StringComparison.OrdinalIgnoreCase) == true ? LogLevel.Warning : LogLevel.Information);

    /// <summary>Whether the console logger has been made (something was logged).</summary>
    internal bool IsMade => _console.IsValueCreated;

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => _console.Value.AddProvider(provider);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_console.IsValueCreated)
        {
            _console.Value.Dispose();
        }
    }

    private sealed class Logger(DeferredLoggerFactory factory, string category) : ILogger
    {
        private ILogger? _console;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            => _console?.BeginScope(state);   // the console logger keeps no scopes (IncludeScopes is off)

        public bool IsEnabled(LogLevel logLevel) => IsKept(category, logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsKept(category, logLevel))
            {
                (_console ??= factory._console.Value.CreateLogger(category)).Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
