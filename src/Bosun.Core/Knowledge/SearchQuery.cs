using System.Text;

namespace Bosun.Core.Knowledge;

/// What a person types into a search box, read the way web search engines (and PostgreSQL's websearch_to_tsquery) read
/// it: words must all match, "quoted words" match as a phrase, OR between two terms matches either, and a term after a
/// minus must not match.
public sealed class SearchQuery
{
    /// A term is a word or a phrase; <see cref="Groups"/> are ANDed, the terms of one group ORed.
    public sealed record Term(string Text, bool Phrase);

    public IReadOnlyList<IReadOnlyList<Term>> Groups { get; }
    public IReadOnlyList<Term> Excluded { get; }

    private SearchQuery(IReadOnlyList<IReadOnlyList<Term>> groups, IReadOnlyList<Term> excluded)
    {
        Groups = groups;
        Excluded = excluded;
    }

    public bool HasTerms => Groups.Count > 0;

    public static SearchQuery Parse(string text)
    {
        var groups = new List<List<Term>>();
        var excluded = new List<Term>();
        var orPending = false;
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var negated = text[i] == '-' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]);
            if (negated)
            {
                i++;
            }

            string word;
            var phrase = text[i] == '"';
            if (phrase)
            {
                var end = text.IndexOf('"', i + 1);
                word = end < 0 ? text[(i + 1)..] : text[(i + 1)..end];
                i = end < 0 ? text.Length : end + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                word = text[start..i];
            }

            if (!phrase && !negated && word.Equals("or", StringComparison.OrdinalIgnoreCase) && groups.Count > 0)
            {
                orPending = true;
                continue;
            }

            // A term without a letter or digit has nothing a tokenizer keeps.
            if (!word.Any(char.IsLetterOrDigit))
            {
                continue;
            }

            var term = new Term(word, phrase);
            if (negated)
            {
                excluded.Add(term);
            }
            else if (orPending)
            {
                groups[^1].Add(term);
            }
            else
            {
                groups.Add([term]);
            }

            orPending = false;
        }

        return new SearchQuery(groups, excluded);
    }

    /// The query as an FTS5 expression over the title and body columns: every term a quoted string, so nothing a
    /// person types is read as FTS5 syntax.
    public string ToFts5()
    {
        var text = new StringBuilder("{title body} : (");
        text.AppendJoin(" AND ", Groups.Select(g => g.Count == 1 ? Quote(g[0]) : "(" + string.Join(" OR ", g.Select(Quote)) + ")"));
        text.Append(')');
        if (Excluded.Count > 0)
        {
            text.Append(" NOT {title body} : (").AppendJoin(" OR ", Excluded.Select(Quote)).Append(')');
        }

        return text.ToString();
    }

    private static string Quote(Term term) => "\"" + term.Text.Replace("\"", "\"\"") + "\"";
}
