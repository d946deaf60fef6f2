using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary><c>devserve repl</c> at a real terminal: a pseudo-terminal from tmux, keys typed, the screen read back.</summary>
public sealed partial class ReplTerminalTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(30) };

    [GeneratedRegex(@"Serving Start at (http://localhost:\d+)/")]
    private static partial Regex Serving();

    private sealed class Tmux(string socket) : IDisposable
    {
        public static async Task<Tmux> StartAsync(string command, IReadOnlyDictionary<string, string> environment)
        {
            var tmux = new Tmux("devserve-test-" + Guid.NewGuid().ToString("N")[..12]);
            await tmux.RunAsync(["new-session", "-d", "-x", "200", "-y", "50",
                .. environment.SelectMany(e => new[] { "-e", $"{e.Key}={e.Value}" }), command]);
            return tmux;
        }

        // tmux reads an argument ending in ";" as the end of its command: escape it.
        public Task TypeAsync(string text) => RunAsync(["send-keys", "-l", text.EndsWith(';') ? text[..^1] + "\\;" : text]);

        public Task EnterAsync() => RunAsync(["send-keys", "Enter"]);

        /// <summary>Presses keys by tmux's names (Up, End, Left, DC, Tab).</summary>
        public Task KeysAsync(params string[] keys) => RunAsync(["send-keys", .. keys]);

        public Task<string> ScreenAsync() => RunAsync(["capture-pane", "-p", "-S", "-200"]);

        /// <summary>Reads the screen until <paramref name="pattern"/> shows (another process draws it; bounded).</summary>
        public async Task<string> WaitForAsync(string pattern)
        {
            var watch = Stopwatch.StartNew();
            var screen = "";
            while (watch.Elapsed < TimeSpan.FromSeconds(120))
            {
                screen = await ScreenAsync();
                if (Regex.IsMatch(screen, pattern, RegexOptions.Multiline))
                {
                    return screen;
                }
                await Task.Delay(50);   // polling a screen another process draws, bounded by the deadline above
            }
            throw new TimeoutException($"The screen never showed /{pattern}/:\n{screen}");
        }

        private async Task<string> RunAsync(string[] arguments)
        {
            var info = new ProcessStartInfo("tmux", ["-L", socket, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return output;
        }

        public void Dispose() => Process.Start("tmux", ["-L", socket, "kill-server"])?.WaitForExit(10_000);
    }

    [Fact]
    public async Task At_a_terminal_the_prompt_shows_continues_lines_and_serves_what_is_typed()
    {
        var cache = Path.Combine(Path.GetTempPath(), "devserve-test-cache-" + Environment.ProcessId);
        var devserve = Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve");
        // The command keeps the pane open after devserve exits, so its last words can be read.
        using var tmux = await Tmux.StartAsync($"{devserve} repl --port 0 --no-browser; echo \"exit code $?\"; sleep 60",
            new Dictionary<string, string> { ["DEVSERVE_CACHE"] = cache, ["BROWSER"] = "" });
        await tmux.WaitForAsync(@"^>\s*$");   // capture-pane drops trailing blanks

        await tmux.TypeAsync("Response Start(Request request)");
        await tmux.EnterAsync();
        await tmux.WaitForAsync(@"^\.\s*$");   // the entry is not complete: the continuation prompt
        await tmux.TypeAsync("    => Response.Text(\"typed at a terminal\");");
        await tmux.EnterAsync();
        var screen = await tmux.WaitForAsync(Serving().ToString());
        var url = Serving().Match(screen).Groups[1].Value;
        Assert.Equal("typed at a terminal", await s_client.GetStringAsync(url + "/"));

        await tmux.TypeAsync("6 * 7");
        await tmux.EnterAsync();
        await tmux.WaitForAsync(@"^42$");
        await tmux.TypeAsync("#quit");
        await tmux.EnterAsync();
        await tmux.WaitForAsync(@"^exit code 0$");
    }
    private static async Task<Tmux> StartReplAsync(string history)
    {
        var cache = Path.Combine(Path.GetTempPath(), "devserve-test-cache-" + Environment.ProcessId);
        var devserve = Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve");
        var tmux = await Tmux.StartAsync($"{devserve} repl --port 0 --no-browser; echo \"exit code $?\"; sleep 60",
            new Dictionary<string, string> { ["DEVSERVE_CACHE"] = cache, ["BROWSER"] = "", ["DEVSERVE_REPL_HISTORY"] = history });
        await tmux.WaitForAsync(@"^>\s*$");
        return tmux;
    }

    [Fact]
    public async Task History_is_kept_between_sessions_and_Up_brings_an_entry_back()
    {
        using var dir = new TempDirectory();
        var history = Path.Combine(dir.Path, "history");
        using (var first = await StartReplAsync(history))
        {
            await first.TypeAsync("var kept = 6 * 7;");
            await first.EnterAsync();
            await first.TypeAsync("#exit");
            await first.EnterAsync();
            await first.WaitForAsync(@"^exit code 0$");
        }
        using var second = await StartReplAsync(history);
        await second.KeysAsync("Up", "Up");   // #exit, then the entry before it
        await second.WaitForAsync(@"^> var kept = 6 \* 7;\s*$");
        await second.EnterAsync();
        await second.TypeAsync("kept");
        await second.EnterAsync();
        await second.WaitForAsync(@"^42$");
    }

    [Fact]
    public async Task Tab_completes_a_member_of_a_variable_defined_earlier()
    {
        using var dir = new TempDirectory();
        using var tmux = await StartReplAsync(Path.Combine(dir.Path, "history"));
        await tmux.TypeAsync("var numbers = new List<int> { 1, 2 };");
        await tmux.EnterAsync();
        await tmux.TypeAsync("numbers.AddR");
        await tmux.KeysAsync("Tab");
        await tmux.WaitForAsync(@"^> numbers\.AddRange\s*$");
        await tmux.TypeAsync("([3]);");
        await tmux.EnterAsync();
        await tmux.TypeAsync("numbers.Count");
        await tmux.EnterAsync();
        await tmux.WaitForAsync(@"^3$");
    }

    [Fact]
    public async Task A_multi_line_entry_can_be_edited_on_an_earlier_line_before_it_runs()
    {
        using var dir = new TempDirectory();
        using var tmux = await StartReplAsync(Path.Combine(dir.Path, "history"));
        await tmux.TypeAsync("int Twice(int x)");
        await tmux.EnterAsync();
        await tmux.TypeAsync("{");
        await tmux.EnterAsync();
        await tmux.TypeAsync("return 3 * x;");
        await tmux.EnterAsync();
        await tmux.TypeAsync("}");
        await tmux.WaitForAsync(@"^\. }\s*$");
        // Up to the line with the mistake, onto the 3, and change it: the whole entry runs as edited.
        await tmux.KeysAsync("Up", "End", "Left", "Left", "Left", "Left", "Left", "Left", "DC");
        await tmux.TypeAsync("2");
        await tmux.WaitForAsync(@"^\.\s+return 2 \* x;\s*$");
        await tmux.EnterAsync();
        await tmux.TypeAsync("Twice(21)");
        await tmux.EnterAsync();
        await tmux.WaitForAsync(@"^42$");
    }
}
