using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>
/// The top-level statements of a <c>.cs</c> app that devserve never runs (the <c>await Launch.ServeServlet(...)</c>
/// line), left out of a save's compile once a whole compile has checked them. Lowering and emitting that line (an async
/// <c>Main</c> around a call with 26 optional arguments) was ~5 ms of a 12–15 ms warm compile in a harness.
/// </summary>
/// <remarks>
/// <para>
/// The lean compile blanks those statements (spaces, same lines and columns: the PDB's lines and the errors' positions
/// are the file's) and keeps the top-level local functions, so <c>Start</c> keeps its name and code. It is used only
/// while the file's <em>shape</em> (<see cref="ShapeOf"/>: its tokens but those of member and top-level local function
/// bodies, its references and options) is one a whole compile found free of errors: C# binds a statement against
/// declarations and signatures, never against another member's body, so an edit inside bodies cannot break the
/// blanked lines. A local function that reads one of the blanked statements' variables does not compile lean, and
/// the caller compiles the whole file instead, whose errors are the ones reported.
/// </para>
/// <para>
/// One difference is left: a top-level local that shadows a static field of a <c>partial class Program</c>, read by a
/// local function, binds to the field in the lean compile where a whole one refuses it (devserve cannot run a
/// <c>Start</c> that reads the statements' variables).
/// </para>
/// </remarks>
internal static class UnrunStatements
{
    // The shape each file's last whole compile succeeded with; few, as in LastCompilations.
    private static readonly BoundedCache<string, string> s_checked = new(capacity: 16);

    /// <summary>The trees of a lean compile.</summary>
    /// <param name="Trees">The files, the statements blanked.</param>
    /// <param name="WholeOnErrors">
    /// Whether a lean compile that fails must be redone whole, its errors perhaps not the file's: a blanked statement
    /// declares a variable or a label, which a local function may read, or holds a directive (an <c>#if</c> whose
    /// <c>#endif</c> is not blanked). Otherwise they are: the blanked statements bind as the checked shape says.
    /// </param>
    /// <param name="ReadsArgs">
    /// Whether a top-level local function names <c>args</c>, the one variable of the top-level statements left: Start's
    /// checks (<see cref="FileAppCompiler"/>) then run again, costing ~2.5 ms.
    /// </param>
    public sealed record Lean(IReadOnlyList<SyntaxTree> Trees, bool WholeOnErrors, bool ReadsArgs);

    /// <summary>
    /// <paramref name="trees"/> with their top-level statements other than local functions blanked, or null when there
    /// are none.
    /// </summary>
    public static Lean? Blanked(IReadOnlyList<SyntaxTree> trees, CancellationToken cancellationToken)
    {
        var any = false;
        var whole = false;
        var args = false;
        var lean = trees.Select(tree =>
        {
            var statements = tree.GetCompilationUnitRoot(cancellationToken).Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement).ToList();
            var unrun = statements.Where(s => s is not LocalFunctionStatementSyntax).ToList();
            args |= statements.OfType<LocalFunctionStatementSyntax>()
                .Any(f => f.DescendantNodes().Any(n => n is IdentifierNameSyntax { Identifier.ValueText: "args" }));
            any |= unrun.Count > 0;
            whole |= unrun.Any(s => s is LabeledStatementSyntax || s.ContainsDirectives
                || s.DescendantNodesAndSelf().Any(n => n is VariableDeclaratorSyntax or SingleVariableDesignationSyntax));
            return unrun.Count == 0 ? tree : tree.WithChangedText(Blank(tree.GetText(cancellationToken), [.. unrun.Select(s => s.Span)]));
        }).ToList();
        return any ? new Lean(lean, whole, args) : null;
    }

    /// <summary>
    /// What the blanked statements bind against, as a hash: the files' tokens, comments and directives without the
    /// bodies (members', accessors', top-level local functions'), then the references' paths and the options.
    /// </summary>
    public static string ShapeOf(IReadOnlyList<SyntaxTree> trees, IEnumerable<MetadataReference> references, CompilationOptions options,
        CancellationToken cancellationToken)
    {
        var shape = new System.Text.StringBuilder();
        foreach (var tree in trees)
        {
            var root = tree.GetCompilationUnitRoot(cancellationToken);
            var bodies = root.DescendantNodes(n => n is not (BlockSyntax or ArrowExpressionClauseSyntax))
                .Where(n => n is BlockSyntax or ArrowExpressionClauseSyntax
                    && n.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or BasePropertyDeclarationSyntax
                        or LocalFunctionStatementSyntax { Parent: GlobalStatementSyntax })
                .Select(n => TextSpan.FromBounds(n.SpanStart, n.Parent!.Span.End)).ToList();   // an arrow's semicolon too
            shape.Append(tree.FilePath).Append('\0');
            var body = 0;
            foreach (var token in root.DescendantTokens())
            {
                while (body < bodies.Count && bodies[body].End <= token.SpanStart)
                {
                    body++;
                }
                if (body < bodies.Count && bodies[body].Contains(token.SpanStart))
                {
                    continue;   // in a body: a body's tokens and layout are not its shape
                }
                foreach (var trivia in token.LeadingTrivia.Concat(token.TrailingTrivia))
                {
                    if (!trivia.IsKind(SyntaxKind.WhitespaceTrivia) && !trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                    {
                        shape.Append(trivia.ToFullString()).Append(' ');
                    }
                }
                shape.Append(token.Text).Append(' ');
            }
        }
        foreach (var reference in references)
        {
            shape.Append('\0').Append(reference.Display);
        }
        return ScriptCache.Hash(shape.Append('\0').Append(options.GetHashCode()).ToString());
    }

    /// <summary>Whether a whole compile of <paramref name="path"/> with this shape succeeded last.</summary>
    public static bool WereChecked(string path, string shape) => s_checked.TryGet(path, out var last) && last == shape;

    /// <summary>A whole compile of <paramref name="path"/> with this shape succeeded.</summary>
    public static void Checked(string path, string shape) => s_checked.Set(path, shape);

    // Every character of the spans but line breaks becomes a space.
    private static SourceText Blank(SourceText text, IReadOnlyList<TextSpan> spans)
        => text.WithChanges(spans.Select(span =>
        {
            var chars = text.ToString(span).ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = chars[i] is '\r' or '\n' ? chars[i] : ' ';
            }
            return new TextChange(span, new string(chars));
        }));
}
