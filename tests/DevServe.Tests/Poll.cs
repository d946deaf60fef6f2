namespace DevServe.Tests;

/// <summary>Waiting for what another thread or process makes true and no event announces (a socket that listens, a process gone), within a deadline.</summary>
internal static class Poll
{
    /// <summary>Asks <paramref name="condition"/> every 20 ms until it says true; fails after <paramref name="timeout"/> (60 s).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
