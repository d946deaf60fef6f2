using Microsoft.Extensions.Logging;

namespace DevServe.Tests;

/// <summary>The servers' default logging is made only when something is written, and keeps the levels it always kept.</summary>
public sealed class DeferredLoggerFactoryTests
{
    [Fact]
    public void The_console_logger_is_made_at_the_first_kept_message_and_not_for_what_is_filtered_out()
    {
        using var factory = new DeferredLoggerFactory();
        var kestrel = factory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        var ours = factory.CreateLogger("DevServe.Server");

        Assert.False(kestrel.IsEnabled(LogLevel.Information));
        Assert.True(kestrel.IsEnabled(LogLevel.Warning));
        Assert.False(ours.IsEnabled(LogLevel.Debug));
        Assert.True(ours.IsEnabled(LogLevel.Information));
        Assert.False(ours.IsEnabled(LogLevel.None));

        kestrel.LogInformation("connection accepted");   // filtered out: nothing is made
        ours.LogDebug("detail");
        Assert.False(factory.IsMade);
        ours.LogWarning("a dispatcher failed");
        Assert.True(factory.IsMade);
    }
}
