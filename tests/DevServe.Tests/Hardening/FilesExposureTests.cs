using System.Net;
using DevServe.Hosting;

namespace DevServe.Tests.Hardening;

/// <summary>What the files and servlets dispatchers refuse by default: dot-files, links out of the root, protocol-relative redirects.</summary>
public sealed class FilesExposureTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly TempDirectory _outside = new();

    public FilesExposureTests()
    {
        _root.Write("htdocs/index.html", "home");
        _root.Write("htdocs/.env", "PASSWORD=hunter2");
        _root.Write("htdocs/.git/config", "[core]");
        _root.Write("htdocs/sub/index.html", "sub index");
        _root.Write("htdocs/inside/page.html", "inside page");
        _outside.Write("passwd", "root:x:0:0");
        _outside.Write("dir/file.txt", "outside file");
        _outside.Write("evil.csx", "Response Start(Request request) => Response.Text(\"outside servlet ran\");\n");
        var htdocs = Path.Combine(_root.Path, "htdocs");
        File.CreateSymbolicLink(Path.Combine(htdocs, "passwd"), Path.Combine(_outside.Path, "passwd"));
        Directory.CreateSymbolicLink(Path.Combine(htdocs, "linked"), Path.Combine(_outside.Path, "dir"));
        Directory.CreateSymbolicLink(Path.Combine(htdocs, "alias"), Path.Combine(htdocs, "inside"));
        File.CreateSymbolicLink(Path.Combine(htdocs, "relative.html"), "inside/page.html");
        File.CreateSymbolicLink(Path.Combine(htdocs, "escape.txt"), "../../" + Path.GetFileName(_outside.Path) + "/passwd");
        Directory.CreateDirectory(Path.Combine(htdocs, "docs"));
        File.CreateSymbolicLink(Path.Combine(htdocs, "docs", "index.html"), Path.Combine(_outside.Path, "passwd"));
        Directory.CreateDirectory(Path.Combine(htdocs, "servlets"));
        File.CreateSymbolicLink(Path.Combine(htdocs, "servlets", "evil.csx"), Path.Combine(_outside.Path, "evil.csx"));
    }

    public void Dispose()
    {
        _root.Dispose();
        _outside.Dispose();
    }

    private string Htdocs => Path.Combine(_root.Path, "htdocs");

    private static async Task<(HttpStatusCode Code, string Body)> Get(LoopbackServer server, string path)
    {
        var answer = await server.RawAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        var code = (HttpStatusCode)int.Parse(answer.AsSpan(9, 3), provider: null);
        return (code, answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    [Theory]
    [InlineData("/.env")]
    [InlineData("/.git/config")]
    [InlineData("/%2eenv")]
    [InlineData("/sub/../.env")]
    [InlineData("/passwd")]
    [InlineData("/linked/file.txt")]
    [InlineData("/escape.txt")]
    [InlineData("/docs/")]
    public async Task Dot_files_and_links_leading_out_of_the_root_are_not_found(string path)
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Files(Htdocs));
        var (code, body) = await Get(server, path);
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.DoesNotContain("hunter2", body);
        Assert.DoesNotContain("root:x", body);
        Assert.DoesNotContain("outside file", body);
    }

    [Theory]
    [InlineData("/alias/page.html")]
    [InlineData("/relative.html")]
    public async Task Links_that_stay_inside_the_root_are_followed(string path)
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Files(Htdocs));
        Assert.Equal((HttpStatusCode.OK, "inside page"), await Get(server, path));
    }

    [Fact]
    public async Task The_options_allow_dot_files_and_links_out_of_the_root()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Files(Htdocs, allowDotFiles: true, allowLinksOutsideRoot: true));
        Assert.Equal((HttpStatusCode.OK, "PASSWORD=hunter2"), await Get(server, "/.env"));
        Assert.Equal((HttpStatusCode.OK, "outside file"), await Get(server, "/linked/file.txt"));
    }

    [Fact]
    public async Task A_servlet_file_linked_from_outside_the_root_never_runs()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Servlets(Htdocs, new ScriptServletLoader(TestHosting.NoCache)));
        var (code, body) = await Get(server, "/servlets/evil.csx");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.DoesNotContain("outside servlet ran", body);
    }

    [Theory]
    [InlineData("//sub", "/sub/")]
    [InlineData("///sub", "/sub/")]
    [InlineData("/sub", "/sub/")]
    [InlineData("//sub?x=1", "/sub/?x=1")]
    public async Task A_directory_redirect_never_sends_a_protocol_relative_location(string path, string location)
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Files(Htdocs));
        var answer = await server.RawAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 302 ", answer);
        Assert.Contains($"\r\nLocation: {location}\r\n", answer);
    }
}
