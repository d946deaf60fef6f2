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
}
