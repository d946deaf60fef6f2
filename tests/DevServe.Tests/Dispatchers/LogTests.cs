using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>Racket's dispatch-log and dispatch-logresp tests, plus the file and parenthesized forms.</summary>
public sealed class LogTests
{
    private static readonly Request s_request = new("GET", new Uri("http://host/whatever"), [], Bindings.Empty, null, "127.0.0.1", 80, "nada");
    private static readonly DateTimeOffset s_time = new(2026, 11, 24, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Apache_default_formats_a_request_like_Racket()
        => Assert.Equal("nada - - [24/Nov/2026:03:04:05 +0000] \"GET /whatever HTTP/1.1\" - -",
            Dispatchers.FormatLogLine(LogFormat.ApacheDefault, s_request, null, s_time));

    [Fact]
    public void With_a_response_the_status_and_size_are_logged()
    {
        Assert.Equal("nada - - [24/Nov/2026:03:04:05 +0000] \"GET /whatever HTTP/1.1\" 200 2",
            Dispatchers.FormatLogLine(LogFormat.ApacheDefault, s_request, Response.Text("ok"), s_time));
        Assert.Equal("(from \"nada\" to \"127.0.0.1\" for \"/whatever\" at \"Tue, 24 Nov 2026 03:04:05\" code 404)",
            Dispatchers.FormatLogLine(LogFormat.ParenthesizedDefault, s_request, Response.Text("no", code: 404), s_time));
    }

    [Fact]
    public void Combined_adds_referer_and_user_agent()
    {
        var request = new Request("GET", new Uri("http://host/x?y=1"),
            [new Header("Referer", "http://r/"), new Header("User-Agent", "test/1")], Bindings.Empty, null, "127.0.0.1", 80, "10.0.0.1");
        Assert.EndsWith("\"GET /x?y=1 HTTP/1.1\" - - \"http://r/\" \"test/1\"", Dispatchers.FormatLogLine(LogFormat.Combined, request, null, s_time));
    }

    [Fact]
    public void An_undefined_format_is_refused_when_the_dispatcher_is_made()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Dispatchers.Log((LogFormat)42, TextWriter.Null));

    [Fact]
    public async Task Logresp_over_real_http_writes_one_line_per_request_to_the_file_closed_with_its_server()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "log");
        await using (var log = new RequestLog(path))
        {
            await using var server = await LoopbackServer.StartAsync(Dispatchers.Log(LogFormat.ApacheDefault, log,
                Dispatchers.Filter(new Regex("^/found$"), Dispatchers.Lift(_ => Response.Text("yes")))));
            await server.Client.GetAsync("/found");
            await server.Client.GetAsync("/missing");
        }
        // The log's owner disposed it after the server stopped: every line is in the file, no waiting.
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(2, lines.Length);
        Assert.Matches("^127\\.0\\.0\\.1 - - \\[.+\\] \"GET /found HTTP/1\\.1\" 200 3$", lines[0]);
        Assert.Matches("^127\\.0\\.0\\.1 - - \\[.+\\] \"GET /missing HTTP/1\\.1\" 404 \\d+$", lines[1]);
    }

    [Fact]
    public async Task Log_without_inner_logs_and_passes_on_to_the_next_dispatcher()
    {
        var writer = new FlushSignallingWriter();
        await using (var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Log(LogFormat.ParenthesizedDefault, writer),
            Dispatchers.Lift(_ => Response.Text("after")))))
        {
            Assert.Equal("after", await server.Client.GetStringAsync("/p"));
        }
        await writer.Flushed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Matches("^\\(from \"127\\.0\\.0\\.1\" to \"127\\.0\\.0\\.1\" for \"/p\" at \".+\"\\)\\r?\\n$", writer.ToString());
    }

    private sealed class FlushSignallingWriter : StringWriter
    {
        public TaskCompletionSource Flushed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task FlushAsync()
        {
            Flushed.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
