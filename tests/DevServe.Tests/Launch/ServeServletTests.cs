using System.Net;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>Launch.ServeServlet and ServeLaunchWait in-process, as Racket's serve/servlet is used.</summary>
public sealed partial class ServeServletTests
{
    /// <summary>Collects what the launcher prints and completes when the banner's URL is out.</summary>
    private sealed partial class BannerWriter : StringWriter
    {
        public TaskCompletionSource<string> Url { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task WriteLineAsync(string? value)
        {
            if (value is not null && BannerUrl().Match(value) is { Success: true } m)
            {
                Url.TrySetResult(m.Groups[1].Value);
            }
            return base.WriteLineAsync(value);
        }

        [GeneratedRegex(@"^Your Web application is running at (\S+)\.$")]
        private static partial Regex BannerUrl();
    }

    [Fact]
    public async Task Serve_servlet_serves_at_its_path_answers_404_elsewhere_logs_and_quits_from_the_page()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(dir.Path, "access.log");
        var output = new BannerWriter();
        var serving = Launch.ServeServlet(_ => Response.Html("<p>Hey out there!</p>"), port: 0, launchBrowser: false,
            logFile: log, output: output);
        var root = await output.Url.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Matches("^http://localhost:[0-9]+$", root);   // no browser, so no launch path in the banner, as in Racket
        var url = root + "/servlets/standalone.rkt";         // Racket's default servlet path
        using var client = new HttpClient();
        Assert.Contains("Hey out there!", await client.GetStringAsync(url));
        var missing = await client.GetAsync(root + "/nope.html");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("File not found", await missing.Content.ReadAsStringAsync());

        var token = Regex.Match(await client.GetStringAsync(root + "/quit"), "value=\"([0-9a-f]+)\"").Groups[1].Value;
        var stopped = await client.PostAsync(root + "/quit", new FormUrlEncodedContent([new("token", token)]));
        Assert.Contains("Server Stopped", await stopped.Content.ReadAsStringAsync());
        await serving.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.EndsWith("\nWeb Server stopped.\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.Contains("\"GET /servlets/standalone.rkt HTTP/1.1\" 200", await File.ReadAllTextAsync(log));
    }

    [Fact]
    public async Task Command_line_mode_has_no_quit_page_and_no_banner_and_stops_on_cancel()
    {
        var output = new BannerWriter();
        using var stop = new CancellationTokenSource();
        var serving = Launch.ServeServlet(_ => Response.Text("servlet"), commandLine: true, port: 0, servletPath: "/",
            servletRegexp: new Regex(""), output: output, cancellationToken: stop.Token);
        stop.Cancel();
        await serving.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task Serve_launch_wait_faults_with_Racket_words_when_the_port_is_busy()
    {
        using var occupier = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        await Assert.ThrowsAsync<IOException>(() => Launch.ServeLaunchWait(_ => Dispatchers.Lift(_ => Response.Text("x")),
            banner: true, port: port, output: TextWriter.Null, loggerFactory: TestLog.Quiet));
    }
}
