using System.Reflection;
using System.Runtime.Loader;

namespace DevServe.Hosting;

/// <summary>
/// The collectible load context of one compiled script: the script, and the assemblies
/// and native libraries its <c>#r</c> directives bring. Everything the host has (DevServe, the framework) comes from the
/// host, so <see cref="Request"/> and <see cref="Response"/> stay one type.
/// </summary>
/// <remarks>
/// Files that are rebuilt in place (a <c>#:project</c>'s output) are read into memory: the runtime shares an image
/// opened from a path across load contexts while the old one lives, so a new version would run the old build.
/// </remarks>
internal sealed class ScriptLoadContext(string name, IReadOnlyDictionary<string, string> assemblies, IReadOnlyDictionary<string, string> natives,
    IReadOnlySet<string>? rebuilt = null)
    : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Lazy<HashSet<string>> s_host = new(() => new(
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(Path.GetFileNameWithoutExtension)
            .OfType<string>(), StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether the host has an assembly of this simple name (the framework, DevServe): never loaded from a servlet's files.</summary>
    public static bool IsHostAssembly(string name) => s_host.Value.Contains(name);

    /// <summary>The files of this context's references, for the disk cache.</summary>
    public IReadOnlyDictionary<string, string> ReferenceFiles => assemblies;

    /// <summary>The native libraries of this context's references, for the disk cache.</summary>
    public IReadOnlyDictionary<string, string> Natives => natives;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // A package's copy of a framework assembly would split types in two: the host's wins.
        if (assemblyName.Name is not { } n || s_host.Value.Contains(n) || !assemblies.TryGetValue(n, out var path))
        {
            return null;
        }
        if (rebuilt is null || !rebuilt.Contains(path))
        {
            return LoadFromAssemblyPath(path);
        }
        using var pe = new MemoryStream(File.ReadAllBytes(path));
        var pdb = Path.ChangeExtension(path, ".pdb");
        using var symbols = File.Exists(pdb) ? new MemoryStream(File.ReadAllBytes(pdb)) : null;
        return LoadFromStream(pe, symbols);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var name = Path.GetFileNameWithoutExtension(unmanagedDllName);
        name = name.StartsWith("lib", StringComparison.Ordinal) ? name[3..] : name;
        return natives.TryGetValue(name, out var path) || natives.TryGetValue(unmanagedDllName, out path)
            ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
