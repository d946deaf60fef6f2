using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DevServe.Hosting;

/// <summary>
/// Each file's last compilation, so that the next compile of the same script or app starts from it with the new
/// syntax trees and keeps Roslyn's bound references: binding the ~300 framework assemblies again is about half of a
/// warm compile (docs/design/hosting.md §1.1).
/// </summary>
/// <remarks>
/// Roslyn keeps the bound references only when neither the old nor the new trees have <c>#r</c> or <c>#load</c>
/// directives; this class also asks for the same references and options, and otherwise makes a new compilation. A
/// version made from the last one keeps its assembly name; each version still loads into its own context.
/// </remarks>
internal static class LastCompilations
{
    // Few: a compilation holds its trees and symbols; one per servlet file being edited is the point. The options
    // kept are the ones asked for (without their metadata resolver): Roslyn may hold them otherwise.
    private static readonly BoundedCache<string, (CSharpCompilation Compilation, CSharpCompilationOptions Options)> s_last = new(capacity: 16);

    /// <summary>
    /// A compilation of <paramref name="trees"/>: <paramref name="path"/>'s last one with its trees replaced when it can
    /// keep its bound references, else <paramref name="create"/>'s. Either way it is the last one from now on.
    /// </summary>
    /// <param name="path">The script or app.</param>
    /// <param name="trees">Its syntax trees.</param>
    /// <param name="references">The references <paramref name="create"/> compiles against.</param>
    /// <param name="options">
    /// The options <paramref name="create"/> uses; their metadata resolver is not compared (a script gets a new one per
    /// compile, asked only for <c>#r</c>, which a reused compilation has none of).
    /// </param>
    /// <param name="create">Makes a new compilation.</param>
    public static CSharpCompilation Make(string path, IReadOnlyList<SyntaxTree> trees, IReadOnlyList<MetadataReference> references,
        CSharpCompilationOptions options, Func<CSharpCompilation> create)
    {
        options = options.WithMetadataReferenceResolver(null);
        var compilation = s_last.TryGet(path, out var last) && CanReuse(last.Compilation, last.Options, trees, references, options)
            ? last.Compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(trees)
            : create();
        s_last.Set(path, (compilation, options));
        return compilation;
    }

    private static bool CanReuse(CSharpCompilation last, CSharpCompilationOptions lastOptions, IReadOnlyList<SyntaxTree> trees,
        IReadOnlyList<MetadataReference> references, CSharpCompilationOptions options)
        => !trees.Any(HasDirectives) && !last.SyntaxTrees.Any(HasDirectives) && lastOptions.Equals(options)
            && last.ExternalReferences.SequenceEqual(references);

    private static bool HasDirectives(SyntaxTree tree)
        => tree.GetCompilationUnitRoot() is var root && (root.GetReferenceDirectives().Count > 0 || root.GetLoadDirectives().Count > 0);
}
