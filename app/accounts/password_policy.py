"""Password strength: the length rule (10 to 128 characters, in the schemas) plus zxcvbn's estimate.

zxcvbn (Dropbox's estimator, maintained Python port) scores a password 0-4 by the guesses an
attacker needs, knowing common passwords, words, names, keyboard patterns, repeats, sequences and
dates, and the account's own e-mail and name. We require 3 ("safely unguessable: moderate
protection from an offline slow-hash scenario", < 10^10 guesses is 3's floor at 10^8): with Argon2id
hashes that is the attack to resist, and NIST SP 800-63B §5.1.1.2 asks to refuse passwords that are
common, repetitive or sequential, which is what scores 0-2 are. Its feedback is English only;
`ITALIAN` translates every message it can give (zxcvbn 4.5.0's feedback.py), and the problem names
the reason and what to do instead in the caller's language.
"""

from zxcvbn import zxcvbn

from app.accounts.errors import WeakPassword
from app.languages import Lang

MIN_SCORE = 3
ESTIMATED_PREFIX = 72  # zxcvbn refuses longer input; the characters after it only add strength

DEFAULT_REASON = "This password is easy to guess."
DEFAULT_SUGGESTION = "Use a few words, avoid common phrases."

ITALIAN = {
    DEFAULT_REASON: "Questa password è facile da indovinare.",
    "Use a few words, avoid common phrases.": "Usa alcune parole, evita le frasi comuni.",
    "No need for symbols, digits, or uppercase letters.": "Non servono simboli, cifre o lettere maiuscole.",
    "Add another word or two. Uncommon words are better.": "Aggiungi una o due parole; meglio se poco comuni.",
    "Straight rows of keys are easy to guess.": "Le file di tasti in linea retta sono facili da indovinare.",
    "Short keyboard patterns are easy to guess.": "Le brevi sequenze sulla tastiera sono facili da indovinare.",
    "Use a longer keyboard pattern with more turns.": (
        "Usa una sequenza di tasti più lunga e con più cambi di direzione."
    ),
    'Repeats like "aaa" are easy to guess.': 'Le ripetizioni come "aaa" sono facili da indovinare.',
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        'Ripetizioni come "abcabcabc" sono solo di poco più difficili da indovinare di "abc".'
    ),
    "Avoid repeated words and characters.": "Evita parole e caratteri ripetuti.",
    'Sequences like "abc" or "6543" are easy to guess.': 'Le sequenze come "abc" o "6543" sono facili da indovinare.',
    "Avoid sequences.": "Evita le sequenze.",
    "Recent years are easy to guess.": "Gli anni recenti sono facili da indovinare.",
    "Avoid recent years.": "Evita gli anni recenti.",
    "Avoid years that are associated with you.": "Evita gli anni legati a te.",
    "Dates are often easy to guess.": "Le date sono spesso facili da indovinare.",
    "Avoid dates and years that are associated with you.": "Evita date e anni legati a te.",
    "This is a top-10 common password.": "È una delle 10 password più comuni.",
    "This is a top-100 common password.": "È una delle 100 password più comuni.",
    "This is a very common password.": "È una password molto comune.",
    "This is similar to a commonly used password.": "È simile a una password molto usata.",
    "A word by itself is easy to guess.": "Una parola da sola è facile da indovinare.",
    "Names and surnames by themselves are easy to guess.": "Nomi e cognomi da soli sono facili da indovinare.",
    "Common names and surnames are easy to guess.": "Nomi e cognomi comuni sono facili da indovinare.",
    "Capitalization doesn't help very much.": "Le maiuscole non aiutano molto.",
    "All-uppercase is almost as easy to guess as all-lowercase.": (
        "Tutto maiuscolo è facile da indovinare quasi quanto tutto minuscolo."
    ),
    "Reversed words aren't much harder to guess.": "Le parole scritte al contrario non sono molto più difficili.",
    "Predictable substitutions like '@' instead of 'a' don't help very much.": (
        "Sostituzioni prevedibili come '@' al posto di 'a' non aiutano molto."
    ),
}


def _say(message: str, language: Lang) -> str:
    return ITALIAN.get(message, message) if language == "it" else message


def require_strong(password: str, *, user_inputs: list[str], language: Lang, pointer: str) -> None:
    """Raise WeakPassword (reason and suggestions in `language`) unless zxcvbn scores it MIN_SCORE+."""
    # Whitespace runs count as one space: padding a letter with spaces ("     a      ") meets the
    # length rule, and zxcvbn would take the spaces for brute-force characters (it scores that 3).
    estimated = " ".join(password.split())[:ESTIMATED_PREFIX]
    result = zxcvbn(estimated, user_inputs=[i for i in user_inputs if i])
    if result["score"] >= MIN_SCORE:
        return
    feedback = result["feedback"]
    reason = _say(feedback.get("warning") or DEFAULT_REASON, language)
    suggestions = [_say(s, language) for s in feedback.get("suggestions") or [DEFAULT_SUGGESTION]]
    raise WeakPassword(reason, suggestions=suggestions, pointer=pointer, language=language)
