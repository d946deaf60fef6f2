using System.Net;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>The editor links' patterns, and the endpoint that runs an editor command: only for this server's own pages.</summary>
public sealed class EditorLinksTests
{
    [Theory]
    [InlineData("vscode", false)]
    [InlineData("rider", true)]
    [InlineData("emacs", true)]
    [InlineData("vim", true)]
    [InlineData("idea://open?file={file}&line={line}", false)]
    [InlineData("code --goto '{file}:{line}:{column}'", true)]
    public void Presets_urls_and_commands_are_told_apart(string value, bool command)
        => Assert.Equal(command, EditorLinks.Parse(value).RunsCommand);

    [Theory]
    [InlineData("notepad")]
    [InlineData("javascript://{file}")]
    [InlineData("sh -c 'echo {file}")]
    [InlineData("{file} --line {line}")]
    public void A_pattern_without_a_file_a_script_url_or_an_open_quote_is_refused(string value)
        => Assert.Throws<FormatException>(() => EditorLinks.Parse(value));

    private static (EditorLinks Editor, string Log) Recording(TempDirectory dir)
    {
        var log = Path.Combine(dir.Path, "opened.txt");
        return (EditorLinks.Parse($"sh -c 'printf \"%s|%s|%s\\n\" \"$0\" \"$1\" \"$2\" >> {log}' {{file}} {{line}} {{column}}"), log);
    }

    private static HttpRequestMessage Open(LoopbackServer server, string? token, string file, string? origin = "same")
    {
        var message = new HttpRequestMessage(HttpMethod.Post, EditorLinks.OpenPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["file"] = file, ["line"] = "12", ["column"] = "7", ["token"] = token ?? "",
            }),
        };
        if (origin is not null)
        {
            message.Headers.Add("Origin", origin == "same" ? $"http://127.0.0.1:{server.Port}" : origin);
        }
        return message;
    }

    // DNS rebinding: another site's name, pointed at 127.0.0.1, so its page is "same origin" with itself.
    private static HttpRequestMessage Rebound(HttpRequestMessage message, LoopbackServer server)
    {
        message.Headers.Host = $"rebound.example:{server.Port}";
        return message;
    }

    [Fact]
    public void Console_line_numbers_from_a_client_are_kept_within_what_is_there()
    {
        var console = new BrowserConsole();
        Assert.Empty(console.Since(-5));
        Assert.Empty(console.Since(long.MaxValue));
    }

    [Fact]
    public async Task The_opener_runs_the_command_with_the_file_line_and_column_as_single_arguments()
    {
        using var dir = new TempDirectory();
        var (editor, log) = Recording(dir);
        var file = dir.Write("a b; $(touch pwned).csx", "// a file with a hostile name\n");
        await using var server = await LoopbackServer.StartAsync(editor.Dispatch);

        using var open = Open(server, editor.Token, file);
        var answer = await server.Client.SendAsync(open);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        // The editor is another process: poll its output, bounded, until its line is whole (the shell makes the file
        // before it writes to it).
        while (!(File.Exists(log) && File.ReadAllText(log).EndsWith('\n')) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal($"{file}|12|7\n", File.ReadAllText(log));
        Assert.False(File.Exists(Path.Combine(dir.Path, "pwned")));
    }

    [Fact]
    public async Task The_opener_refuses_a_missing_token_another_origin_no_origin_a_GET_and_a_missing_file()
    {
        using var dir = new TempDirectory();
        var (editor, log) = Recording(dir);
        var file = dir.Write("x.csx", "");
        await using var server = await LoopbackServer.StartAsync(editor.Dispatch);

        foreach (var (message, expected) in new[]
        {
            (Open(server, null, file), HttpStatusCode.Forbidden),
            (Open(server, (editor.Token[0] == '0' ? "1" : "0") + editor.Token[1..], file), HttpStatusCode.Forbidden),   // another token, even when it began with 0
            (Open(server, editor.Token, file, origin: "http://evil.example"), HttpStatusCode.Forbidden),
            (Open(server, editor.Token, file, origin: null), HttpStatusCode.Forbidden),
            (Rebound(Open(server, editor.Token, file, origin: $"http://rebound.example:{server.Port}"), server), HttpStatusCode.Forbidden),
            (Open(server, editor.Token, Path.Combine(dir.Path, "missing.csx")), HttpStatusCode.BadRequest),
            (Open(server, editor.Token, "relative.csx"), HttpStatusCode.BadRequest),
            (new HttpRequestMessage(HttpMethod.Get, EditorLinks.OpenPath + "?token=" + editor.Token), HttpStatusCode.MethodNotAllowed),
        })
        {
            using (message)
            {
                Assert.Equal(expected, (await server.Client.SendAsync(message)).StatusCode);
            }
        }
        Assert.False(File.Exists(log));
    }

    [Fact]
    public async Task The_opener_refuses_a_request_from_another_machine()
    {
        using var dir = new TempDirectory();
        var (editor, log) = Recording(dir);
        var file = dir.Write("x.csx", "");
        var uri = new Uri("http://devbox:8000" + EditorLinks.OpenPath);
        var request = new Request("POST", uri, [new Header("Host", "devbox:8000"), new Header("Origin", "http://devbox:8000")],
            new Bindings([new Binding("file", file), new Binding("line", "1"), new Binding("token", editor.Token)]), null, "10.0.0.2", 8000, "10.0.0.9");
        var answer = await editor.Dispatch(request);
        Assert.Equal(403, answer!.Code);
        Assert.False(File.Exists(log));
    }
}
