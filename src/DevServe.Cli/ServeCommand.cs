using System.CommandLine;
using System.Threading.Channels;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve serve</c>: a whole site from its configuration file, like Racket's <c>plt-web-server</c>
/// (<c>-f</c> configuration table, <c>-p</c> port, <c>-a</c> listen address, <c>--ssl</c>).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-f", "--configuration-table")
        {
            Description = "The site's configuration: site.json, or a Racket configuration table.",
            DefaultValueFactory = _ => new FileInfo("site.json"),
        };
        var port = new Option<int?>("--port", "-p") { Description = "The port, over the file's (0 = a free port)." };
        var listenIp = new Option<string>("--listen-ip", "-a", "--ip-address") { Description = "The address to listen on, over the file's." };
        var ssl = new Option<bool>("--ssl") { Description = "Serve HTTPS with ./server-cert.pem and ./private-key.pem (port 443 unless given)." };
        var sslCert = new Option<FileInfo>("--ssl-cert") { Description = "A PEM certificate: serve HTTPS (with --ssl-key)." };
        var sslKey = new Option<FileInfo>("--ssl-key") { Description = "The PEM private key of --ssl-cert." };
        var noCache = new Option<bool>("--no-cache") { Description = "Always compile servlets (do not use the compiled-script cache)." };
        var links = new ServerOptions();   // --stateless, --store, --key-ring, --node-id: the same as run's, over the file's
        var command = new Command("serve", "Serve a site from its configuration file (virtual hosts, servlets directory, files, realms, log).")
        {
            config, port, listenIp, ssl, sslCert, sslKey, noCache, links.Stateless, links.EncryptLinks, links.Store, links.KeyRing, links.NodeId,
        };
        port.Validators.Add(r => ServerOptions.PortRange(r, "--port"));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(config)!;
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"devserve: {file.FullName}: no such file (devserve new-site DIR writes one).");
                return 2;
            }
            WebConfig site;
            try
            {
                site = WebConfig.Load(file.FullName);
            }
            catch (WebConfigException e)
            {
                await Console.Error.WriteLineAsync($"devserve: {e.Message}");
                return 2;
            }
            var (cert, key) = parse.GetValue(ssl) ? (new FileInfo("server-cert.pem"), new FileInfo("private-key.pem")) : (parse.GetValue(sslCert), parse.GetValue(sslKey));
            if ((cert is null) != (key is null))
            {
                await Console.Error.WriteLineAsync("devserve: --ssl-cert and --ssl-key go together.");
                return 2;
            }
            foreach (var (name, given) in new[] { ("--ssl-cert", cert), ("--ssl-key", key) })
            {
                if (given is { Exists: false })
                {
                    await Console.Error.WriteLineAsync($"devserve: {name} {given.FullName}: no such file.");
                    return 2;
                }
            }
            if (parse.GetValue(listenIp) is { } ip && await ServerOptions.ListenAddressProblemAsync(ip) is { } problem)
            {
                await Console.Error.WriteLineAsync($"devserve: --listen-ip {ip}: {problem}");
                return 2;
            }
            var tls = cert is null ? null : new Tls(cert.FullName, key!.FullName);
            site = site with
            {
                Port = parse.GetValue(port) ?? (parse.GetValue(ssl) ? 443 : site.Port),
                ListenIp = parse.GetValue(listenIp) ?? site.ListenIp,
            };
            var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
            var stateless = parse.GetValue(links.Stateless) || site.Stateless;
            var options = await ServerOptions.ReadHostOptionsAsync(!parse.GetValue(noCache), stateless, parse.GetValue(links.EncryptLinks) || site.EncryptLinks,
                editor: null, parse.GetValue(links.Store) ?? InSite(site, site.Store), parse.GetValue(links.KeyRing) ?? InSite(site, site.KeyRing),
                parse.GetValue(links.NodeId) ?? site.NodeId);
            if (options is null)
            {
                return 2;
            }
            var stop = Server.ServeWebConfig(site, tls, new ScriptServletLoader(options), confirmation.Writer);
            var started = await confirmation.Reader.ReadAsync(CancellationToken.None);
            if (started.Port is not int bound)
            {
                await Console.Error.WriteLineAsync($"There was an error starting the Web server: {started.Error?.Message}");
                stop();
                return 1;
            }
            Console.WriteLine($"Serving the site of {file.FullName}.");
            Console.WriteLine($"Your Web application is running at {(tls is null ? "http" : "https")}://localhost:{bound}.");
            Console.WriteLine("Stop this program at any time to terminate the Web Server.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);   // until Ctrl+C or SIGTERM
            }
            catch (OperationCanceledException)
            {
            }
            await Task.Run(stop, CancellationToken.None);
            Console.WriteLine();
            Console.WriteLine("Web Server stopped.");
            return 0;
        });
        return command;
    }

    // A store directory or key ring file named in site.json is relative to the file; a Redis URL is as it is.
    private static string? InSite(WebConfig site, string? value)
        => value is null || value.Contains("://", StringComparison.Ordinal) ? value : Path.Combine(site.BaseDirectory, value);
}
