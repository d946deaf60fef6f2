using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>Hosting options for in-process tests: passed in, never set through the process's environment.</summary>
internal static class TestHosting
{
    /// <summary>Always compile: a test sees its own compile, not one another test cached.</summary>
    public static ServletHostOptions NoCache { get; } = new() { UseCache = false };

    /// <summary>The compiled-script cache in <paramref name="directory"/>.</summary>
    public static ServletHostOptions CacheIn(string directory) => new() { CacheDirectory = directory };
}
