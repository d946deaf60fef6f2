using System.Diagnostics;

namespace DevServe.Internal;

/// <summary>Runs an action at most once per interval, whoever asks.</summary>
internal sealed class RateLimit(TimeSpan interval)
{
    private long _last = long.MinValue;

    /// <summary>Runs <paramref name="action"/> and returns <c>null</c>, or returns how long until it may run again.</summary>
    public TimeSpan? TryRun(Action action)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _last);
        if (last != long.MinValue && Stopwatch.GetElapsedTime(last, now) < interval)
        {
            return interval - Stopwatch.GetElapsedTime(last, now);
        }
        if (Interlocked.CompareExchange(ref _last, now, last) != last)
        {
            return interval;   // another request won the race and is running it
        }
        action();
        return null;
    }
}
