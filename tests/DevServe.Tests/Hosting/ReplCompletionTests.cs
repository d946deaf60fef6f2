using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>Completion at the REPL, from Roslyn's completion service over what the session has defined.</summary>
public sealed class ReplCompletionTests
{
    private static ReplSession NewSession(TempDirectory dir)
        => new(dir.Path, new ReplGlobals(path => "http://localhost" + path), Path.Combine(dir.Path, "packages"));

    [Fact]
    public async Task A_member_of_a_variable_defined_in_an_earlier_entry_completes()
    {
        using var dir = new TempDirectory();
        using var session = NewSession(dir);
        await session.SubmitAsync("var numbers = new List<int> { 1, 2 };");

        var result = await session.CompleteAsync("numbers.AddR", 12);
        Assert.Equal(8, result.Start);
        Assert.Equal(4, result.Length);
        Assert.Equal("AddRange", Assert.Single(result.Items));

        var all = await session.CompleteAsync("numbers.", 8);
        Assert.Contains("Count", all.Items);
        Assert.Contains("Add", all.Items);
    }

    [Fact]
    public async Task The_globals_and_DevServes_imports_complete_and_nonsense_completes_to_nothing()
    {
        using var dir = new TempDirectory();
        using var session = NewSession(dir);
        Assert.Contains("ShowInBrowser", (await session.CompleteAsync("ShowIn", 6)).Items);
        Assert.Contains("SendSuspend", (await session.CompleteAsync("SendSusp", 8)).Items);
        Assert.Empty((await session.CompleteAsync("zzqqxx", 6)).Items);
        Assert.DoesNotContain("zzqqxx", (await session.CompleteAsync("", 99)).Items);   // a position past the end is clamped
    }
}
