using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DevServe.Hosting;

/// <summary>
/// Answers <c>#r "nuget: …"</c> with a stand-in (plain Roslyn would report CS0006, and a directive may resolve to one
/// file only); the package set's reference assemblies are the compilation's own references. Notes directives whose
/// package was not restored yet (they come from <c>#load</c>ed files).
/// </summary>
internal sealed class PackageReferenceResolver(MetadataReferenceResolver inner, NuGetReferences.Restore? restore, PortableExecutableReference standIn)
    : MetadataReferenceResolver
{
    // One metadata copy per file for the process: references are large native buffers (docs/design/hosting.md §1.2).
    private static readonly BoundedCache<string, PortableExecutableReference> s_files = new(capacity: 4096);

    /// <summary>The <c>#r "nuget: …"</c> texts seen that the restore did not cover.</summary>
    public ConcurrentBag<(string Reference, string? File)> Unrestored { get; } = [];

    public override bool ResolveMissingAssemblies => inner.ResolveMissingAssemblies;

    public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
    {
        if (!NuGetReferences.IsPackage(reference))
        {
            return inner.ResolveReference(reference, baseFilePath, properties);
        }
        if (restore is null || !restore.Packages.Contains(Normalize(reference)))
        {
            Unrestored.Add((reference, baseFilePath));   // the compile is redone with it restored
        }
        return [standIn];
    }

    /// <summary>"nuget: Name, 1.0" → "name/1.0", the key of a restored package.</summary>
    public static string Normalize(string reference)
        => NuGetReferences.Find($"#r \"{reference}\"", "") is [var p] ? p.Name.ToLowerInvariant() + "/" + p.Version : reference;

    public static PortableExecutableReference Reference(string path) => s_files.GetOrAdd(path, p => MetadataReference.CreateFromFile(p));

    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity)
        => inner.ResolveMissingAssembly(definition, referenceIdentity);

    public override bool Equals(object? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
