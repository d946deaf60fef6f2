using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>A real <c>scripts/devserve</c> process: its output as it comes, its banner's URL, its exit.</summary>
public sealed partial class DevServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lines = new(0);
    private readonly SemaphoreSlim _errorLines = new(0);
    private string? _bannerUrl;

    private DevServeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _url.TrySetException(new InvalidOperationException("devserve ended before its banner:\n" + Output + "\n" + Errors));
                return;
            }
            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }
            _lines.Release();
            if (BannerUrl().Match(e.Data) is { Success: true } m)
            {
                _bannerUrl = m.Groups[1].Value;
            }
            else if (e.Data == "Stop this program at any time to terminate the Web Server." && _bannerUrl is not null)
            {
                _url.TrySetResult(_bannerUrl);   // the whole banner is out
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
            _errorLines.Release();
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    [GeneratedRegex(@"^Your Web application is running at (\S+)\.$")]
    private static partial Regex BannerUrl();

    // One compiled-script cache per test run: tests neither read nor leave entries in the user's cache.
    private static readonly string s_cache = Path.Combine(Path.GetTempPath(), "devserve-test-cache-" + Environment.ProcessId);

    /// <summary>The compiled-script cache every devserve a test starts shares.</summary>
    public static string TestCache => s_cache;

    public static string RepositoryRoot { get; } = Path.GetDirectoryName(ExampleServlets.Directory)!;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Id => _process.Id;

    /// <summary>Runs scripts/devserve with its standard input ours to write (the REPL).</summary>
    public static DevServeProcess StartWithInput(params string[] args)
        => StartProgram(Path.Combine(RepositoryRoot, "scripts", "devserve"), null, null, redirectInput: true, args);

    /// <summary>As <see cref="StartWithInput(string[])"/>, with <paramref name="environment"/> added to the process's.</summary>
    public static DevServeProcess StartWithInput(IReadOnlyDictionary<string, string> environment, params string[] args)
        => StartProgram(Path.Combine(RepositoryRoot, "scripts", "devserve"), null, environment, redirectInput: true, args);

    /// <summary>Writes a line to the process's standard input; returns the output length before it, for <see cref="WaitForOutputAsync"/>.</summary>
    public async Task<int> SendAsync(string line)
    {
        var mark = Output.Length;
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
        return mark;
    }

    /// <summary>Closes standard input: end of input, as Ctrl+D at a terminal.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits until standard error contains <paramref name="text"/>.</summary>
    public async Task WaitForErrorAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Errors.Contains(text, StringComparison.Ordinal))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _errorLines.WaitAsync(left))
            {
                throw new TimeoutException($"No \"{text}\" on standard error:\n{Errors}");
            }
        }
    }

    /// <summary>Waits until the output after <paramref name="mark"/> contains <paramref name="text"/>; returns that output.</summary>
    public async Task<string> WaitForOutputAsync(string text, int mark = 0, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var output = Output;
            if (output.Length > mark && output.IndexOf(text, mark, StringComparison.Ordinal) >= 0)
            {
                return output[mark..];
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _lines.WaitAsync(left))
            {
                throw new TimeoutException($"No \"{text}\" in the output:\n{output[Math.Min(mark, output.Length)..]}\n{Errors}");
            }
        }
    }

    public static DevServeProcess Start(params string[] args) => StartProgram(Path.Combine(RepositoryRoot, "scripts", "devserve"), null, null, args);

    /// <summary>Runs scripts/devserve in <paramref name="workingDirectory"/>.</summary>
    public static DevServeProcess StartIn(string workingDirectory, params string[] args)
        => StartProgram(Path.Combine(RepositoryRoot, "scripts", "devserve"), workingDirectory, null, args);

    /// <summary>Runs <paramref name="program"/> (an installed devserve, an executable script) with the test environment.</summary>
    public static DevServeProcess StartProgram(string program, string? workingDirectory, IReadOnlyDictionary<string, string>? environment,
        params string[] args) => StartProgram(program, workingDirectory, environment, redirectInput: false, args);

    private static DevServeProcess StartProgram(string program, string? workingDirectory, IReadOnlyDictionary<string, string>? environment,
        bool redirectInput, string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["BROWSER"] = "";
        info.Environment["DEVSERVE_CACHE"] = s_cache;
        info.Environment["DEVSERVE_STUFFER_KEY"] = Path.Combine(s_cache, "stuffer.key");
        info.Environment["DEVSERVE_URL_STORE"] = Path.Combine(s_cache, "urls");
        // No compile servers left behind by the suite: the tests that are about one turn it on (CompileServerTests).
        info.Environment["DEVSERVE_COMPILE_SERVER"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        return new DevServeProcess(Process.Start(info)!);
    }

    /// <summary>The URL the banner announced (waits for it; the first run may build the CLI).</summary>
    public Task<string> UrlAsync() => _url.Task.WaitAsync(TimeSpan.FromSeconds(120));

    public async Task<int> ExitCodeAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
