using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DevServe.Internal;

/// <summary>Builds a Kestrel server exactly as ASP.NET Core's <c>UseKestrel()</c> registers it, without a whole host.</summary>
/// <remarks>
/// Kestrel's HTTPS support resolves internal services (its metrics, the HTTPS configuration service) from the
/// container, so <c>new KestrelServer(...)</c> cannot serve TLS. <c>UseKestrel</c> registers them through
/// <see cref="IWebHostBuilder.ConfigureServices(Action{IServiceCollection})"/>; this builder hands those
/// registrations to a plain service collection and supports nothing else.
/// </remarks>
internal static class KestrelFactory
{
    // What a web host registers for Kestrel's diagnostics; one for the process, as a host has.
    private static readonly System.Diagnostics.DiagnosticListener s_diagnostics = new("Microsoft.AspNetCore");

    public static (IServer Server, ServiceProvider Services) Create(ILoggerFactory loggerFactory, int backlog,
        Action<KestrelServerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddMetrics();
        services.AddOptions();
        services.AddSingleton<IHostEnvironment>(new Environment());
        services.AddSingleton<System.Diagnostics.DiagnosticSource>(s_diagnostics);
        new ServicesOnlyBuilder(services).UseKestrel();
        services.Configure<SocketTransportOptions>(o => o.Backlog = backlog);
        services.Configure(configure);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IServer>(), provider);
    }

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;
        public string ApplicationName { get; set; } = "DevServe";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private sealed class ServicesOnlyBuilder(IServiceCollection services) : IWebHostBuilder
    {
        public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
        {
            configureServices(services);
            return this;
        }

        public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices)
        {
            configureServices(new WebHostBuilderContext { Configuration = new ConfigurationBuilder().Build() }, services);
            return this;
        }

        public string? GetSetting(string key) => null;

        public IWebHostBuilder UseSetting(string key, string? value) => this;

        public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) => this;

        // IWebHostBuilder's own signature names the obsolete IWebHost; this builder never builds one.
#pragma warning disable ASPDEPR008
        public IWebHost Build() => throw new NotSupportedException("Only the service registrations of UseKestrel are wanted.");
#pragma warning restore ASPDEPR008
    }
}
