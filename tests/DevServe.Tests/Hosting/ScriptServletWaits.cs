using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>Waiting for a save to be served, without sleeping: swap by swap, within one deadline.</summary>
internal static class ScriptServletWaits
{
    /// <summary>
    /// Waits until <paramref name="server"/> answers <c>/</c> with <paramref name="page"/>. A save can swap more than once
    /// (a truncation, then a write; a late event of the save before), so each swap is a reason to look again.
    /// </summary>
    public static async Task ServedAsync(this ScriptServlet servlet, LoopbackServer server, string page, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var swapped = servlet.NextSwap;
            if (await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync() == page)
            {
                return;
            }
            await swapped.WaitAsync(deadline.Token);
        }
    }

    /// <summary>
    /// Saves <paramref name="text"/> to <paramref name="path"/> the way editors that write atomically do (a file beside
    /// it, renamed over it) and returns the number of the version that save made: one save, one event, one swap.
    /// </summary>
    /// <remarks>
    /// For tests about what a version does. Written in place, a save is a truncation and then a write, and a writer
    /// that stalls between the two (a busy machine) lets the empty file be compiled and swapped in first.
    /// </remarks>
    public static async Task<int> SaveAsync(this ScriptServlet servlet, string path, string text, TimeSpan timeout)
    {
        var swapped = servlet.NextSwap;
        var beside = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".saving");
        File.WriteAllText(beside, text);
        File.Move(beside, path, overwrite: true);
        return await swapped.WaitAsync(timeout);
    }
}
