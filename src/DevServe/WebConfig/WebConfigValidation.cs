namespace DevServe;

/// <summary>The checks both file formats share: values in range, lists and names present.</summary>
internal static class WebConfigValidation
{
    public static WebConfig Check(WebConfig config, string source)
    {
        void Require(bool ok, string key, string message)
        {
            if (!ok)
            {
                throw new WebConfigException($"{source}: {key}: {message}");
            }
        }
        Require(config.Port is >= 0 and <= 65535, "port", $"{config.Port} is not a port (0-65535)");
        Require(config.MaxWaiting >= 0, "maxWaiting", "must not be negative");
        Require(config.InitialConnectionTimeout > 0, "initialConnectionTimeout", "must be positive");
        Require(config.DefaultHost is not null, "defaultHost", "is missing");
        Require(config.VirtualHosts is not null, "virtualHosts", "must be a list");
        Require(config.NodeId is null || DevServe.NodeId.IsValid(config.NodeId), "nodeId", DevServe.NodeId.Rule);
        Require(config.Stateless || config is { Store: null, KeyRing: null, EncryptLinks: false }, config.Store is not null ? "store" : config.KeyRing is not null ? "keyRing" : "encryptLinks",
            "is where stateless links go: set \"stateless\": true too");
        CheckHost(config.DefaultHost!, "defaultHost", Require);
        for (var i = 0; i < config.VirtualHosts!.Count; i++)
        {
            var host = config.VirtualHosts[i];
            Require(host is { Name.Length: > 0, Host: not null }, $"virtualHosts[{i}]", "needs a name and a host table");
            try
            {
                _ = new System.Text.RegularExpressions.Regex(host.Name);
            }
            catch (ArgumentException e)
            {
                Require(false, $"virtualHosts[{i}].name", e.Message);
            }
            CheckHost(host.Host!, $"virtualHosts[{i}].host", Require);
        }
        return config;
    }

    private static void CheckHost(HostTable host, string key, Action<bool, string, string> require)
    {
        require(host.Indices is not null && host.Indices.All(i => i is { Length: > 0 }), key + ".indices", "must be a list of file names");
        require(host.Messages is not null, key + ".messages", "is missing");
        require(host.Timeouts is not null, key + ".timeouts", "is missing");
        require(host.Paths is not null, key + ".paths", "is missing");
        require(host.Timeouts!.Password > 0 && host.Timeouts.ServletConnection > 0 && host.Timeouts.DefaultServlet > 0,
            key + ".timeouts", "must be positive");
        require(host.Paths!.HostRoot is not null && host.Paths.FileRoot is not null && host.Paths.ServletRoot is not null
            && host.Paths.ConfigurationRoot is not null, key + ".paths", "hostRoot, fileRoot, servletRoot and configurationRoot are required");
    }
}
