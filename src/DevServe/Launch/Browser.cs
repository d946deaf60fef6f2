using System.Diagnostics;

namespace DevServe.Internal;

/// <summary>Opens a URL in the user's browser, best effort: failing prints the URL instead.</summary>
/// <remarks>Racket: <c>send-url</c> (net/sendurl).</remarks>
internal static class Browser
{
    public static void Open(string url, TextWriter output)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("BROWSER") is { Length: > 0 } browser)
        {
            candidates.AddRange(browser.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }
        candidates.AddRange(OperatingSystem.IsWindows() ? ["explorer.exe"] : OperatingSystem.IsMacOS() ? ["open"] : ["xdg-open", "wslview"]);
        foreach (var command in candidates)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(command, [url])
                {
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                });
                if (process is not null)
                {
                    return;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                // Not installed here: try the next one.
            }
        }
        output.WriteLine($"Open {url} in your browser.");
    }
}
