"""The per-candidate explanation the engine used before the batched one (explain.py), kept as
the oracle that the batched pass must agree with: same reasons, same parts."""

import numpy as np

from matchmaker.matching.explain import Reason
from matchmaker.matching.tokenize import is_whole_word

_SHIFT = 21


class _RowWords:
    """A row's whole words and, per feature of the row, the share each word takes of it.

    ``matrix`` is dense (row features x words); each row sums to 1, or to 0 for a feature no
    word of the row carries (it then stays in the remainder).
    """

    __slots__ = ("words", "matrix", "pos")

    def __init__(self, vec, indices: np.ndarray):
        n_words = len(vec.vocabulary_)
        names = vec.words()
        is_word = indices < n_words
        words = [names[j] for j in indices[is_word].tolist()]
        extra = vec.extra_word_names(indices[~is_word])
        seen = set(words)
        words += [w for w in dict.fromkeys(extra.values()) if w not in seen]
        self.words = words
        nf, nw = len(indices), len(words)
        self.pos = indices
        M = np.zeros((nf, nw), dtype=np.float64)
        if nf == 0 or nw == 0:
            self.matrix = M
            return
        index = {w: i for i, w in enumerate(words)}
        n_plain = int(is_word.sum())
        M[np.arange(n_plain), np.arange(n_plain)] = 1.0  # word features come first (indices sorted)
        if extra:
            for k, j in enumerate(indices[n_plain:].tolist(), start=n_plain):
                if j in extra:
                    M[k, index[extra[j]]] = 1.0
        # Character n-grams: the key of every unigram and bigram inside each word, with counts.
        keys, owners = [], []
        first, last = [], []
        for i, w in enumerate(words):
            cps = [ord(c) for c in w]
            keys.extend(cps)
            keys.extend((a << _SHIFT) | b for a, b in zip(cps, cps[1:]))
            owners.extend([i] * (2 * len(cps) - 1))
            first.append(cps[0])
            last.append(cps[-1])
        keys = np.asarray(keys, dtype=np.int64)
        owners = np.asarray(owners, dtype=np.int64)
        char_pos = np.flatnonzero(~is_word)
        char_keys = vec.feature_keys(indices[char_pos])
        ok = char_keys >= 0
        char_pos, char_keys = char_pos[ok], char_keys[ok]
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        lo = np.searchsorted(keys, char_keys, side="left")
        hi = np.searchsorted(keys, char_keys, side="right")
        counts = hi - lo
        has = counts > 0
        if has.any():
            feat = np.repeat(char_pos[has], counts[has])
            starts = np.repeat(lo[has] - np.cumsum(np.r_[0, counts[has][:-1]]), counts[has])
            owner = owners[starts + np.arange(len(feat))]
            np.add.at(M, (feat, owner), 1.0)
        # A bigram across two adjacent words: half to the words ending with its first
        # character, half to the words starting with its second.
        across_pos, across = char_pos[~has], char_keys[~has]
        bigram = (across >> _SHIFT) > 0
        across_pos, across = across_pos[bigram], across[bigram]
        for side_chars, probe in ((last, across >> _SHIFT), (first, across & ((1 << _SHIFT) - 1))):
            _spread(M, across_pos, probe, np.asarray(side_chars, dtype=np.int64))
        sums = M.sum(axis=1, keepdims=True)
        np.divide(M, sums, out=M, where=sums > 0)
        self.matrix = M

    def shares(self, positions: np.ndarray) -> np.ndarray:
        """The (features x words) shares of the features at these positions of the row."""
        return self.matrix[positions]


def _spread(M, feat_pos, probe, word_chars) -> None:
    """Add 0.5 of each feature, split evenly, to the words whose character equals its probe."""
    order = np.argsort(word_chars, kind="stable")
    sorted_chars = word_chars[order]
    lo = np.searchsorted(sorted_chars, probe, side="left")
    counts = np.searchsorted(sorted_chars, probe, side="right") - lo
    has = counts > 0
    if not has.any():
        return
    c = counts[has]
    feat = np.repeat(feat_pos[has], c)
    offs = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
    owner = order[np.repeat(lo[has], c) + offs]
    np.add.at(M, (feat, owner), np.repeat(0.5 / c, c))


def explain_reference(engine, query_row, side, cand_rows, cand_delta, scores, lex_scores, zdir, zfb, n, query_is_need):
    """The reasons of each candidate as the engine gave them, one candidate at a time."""
    vec, latent, b = engine.vectorizer_, engine.latent_, engine.semantic_weight
    keywords = getattr(vec, "keywords_", ())
    qi = query_row.indices.astype(np.int64)
    qd = query_row.data.astype(np.float64)
    qwords = _RowWords(vec, qi)
    q_emb = latent.term_rows(qi, qd).astype(np.float64)  # features x k
    if zdir is None:
        Eq = np.zeros((len(qwords.words), q_emb.shape[1]))
    elif zfb is None:  # feedback as a re-weighting of the query's terms: zdir holds the weights
        Eq = qwords.matrix.T @ (np.asarray(zdir, dtype=np.float64)[:, None] * q_emb)
    else:  # Eq sums to z / N, the direct part of the unit query embedding
        q_norm = float(np.linalg.norm(q_emb.sum(axis=0))) or 1.0
        Eq = qwords.matrix.T @ q_emb * (float(np.linalg.norm(zdir)) / q_norm)
    out = []
    for r, is_delta, score, lex in zip(cand_rows.tolist(), cand_delta.tolist(), scores.tolist(), lex_scores.tolist()):
        X = side.dX if is_delta else side.X
        a, e = X.indptr[r], X.indptr[r + 1]
        di = X.indices[a:e].astype(np.int64)
        dd = X.data[a:e].astype(np.float64)
        dwords = _RowWords(vec, di)
        # Lexical: every shared feature's product, split over (query word, document word).
        common, qpos, dpos = np.intersect1d(qi, di, assume_unique=True, return_indices=True)
        # Without a latent part (none for the query, or a document with no embedding) the
        # score is the lexical cosine itself (scoring.py).
        plain = zdir is None or not (side.dZ if is_delta else side.Z)[r].any()
        lex_parts = (1.0 if plain else 1.0 - b) * qd[qpos] * dd[dpos]
        lex_pair = qwords.shares(qpos).T @ (lex_parts[:, None] * dwords.shares(dpos))
        sem_pair = np.zeros_like(lex_pair)
        topic = np.zeros(len(dwords.words))
        if (
            b > 0 and not plain and score - (1.0 - b) * lex > 1e-7
        ):  # a clipped (zero) semantic part has nothing to split
            d_emb = latent.term_rows(di, dd).astype(np.float64)
            d_norm = float(np.linalg.norm(d_emb.sum(axis=0))) or 1.0
            Ed = dwords.matrix.T @ d_emb / d_norm  # document words x k, summing to z_d
            sem_pair = b * Eq @ Ed.T
            if zfb is not None:
                # The feedback part of each document word goes to the query words in proportion
                # to how much they already relate to it; with no related query word it stays
                # a topic word of its own.
                topic = b * Ed @ zfb
                related = np.maximum(sem_pair, 0.0)
                total = related.sum(axis=0)
                ok = total > 0
                sem_pair[:, ok] += related[:, ok] * (topic[ok] / total[ok])
                topic[ok] = 0.0
        reasons = _assemble(qwords.words, dwords.words, lex_pair, sem_pair, topic, keywords, query_is_need)
        reasons.sort(key=lambda x: (-x.weight, x.term))
        shown = tuple(x for x in reasons[:n] if x.weight > 0)
        out.append((shown, score - sum(x.weight for x in shown)))
    return out


def _assemble(qwords, dwords, lex_pair, sem_pair, topic, keywords=(), query_is_need=True) -> list[Reason]:
    # Only whole words are shown (dictionary words, typed keywords, Latin words); what other
    # tokens carry stays in the remainder.
    out = []
    q_ok = [is_whole_word(w, keywords) for w in qwords]
    d_ok = np.array([is_whole_word(w, keywords) for w in dwords], dtype=bool)
    dindex = {w: j for j, w in enumerate(dwords)}
    topic = topic.copy()
    total = lex_pair + sem_pair
    if len(dwords):
        total[:, ~d_ok] = -np.inf
    lex_sum, sem_sum = lex_pair.sum(axis=1).tolist(), sem_pair.sum(axis=1).tolist()
    best = total.argmax(axis=1).tolist() if d_ok.any() else [None] * len(qwords)
    for i, w in enumerate(qwords):
        if not q_ok[i]:
            continue
        lexical, sem = lex_sum[i], sem_sum[i]
        j = dindex.get(w)
        if j is not None:  # a word of both texts; the document's topic share of it joins it
            sem += float(topic[j])
            topic[j] = 0.0
            partner = w
        elif best[i] is not None:
            partner = dwords[best[i]]  # the document word carrying most of it
        else:
            partner = None
        if lexical + sem <= 0.0:
            continue
        mine, theirs = (w,), (partner,) if partner else ()
        if not query_is_need:
            mine, theirs = theirs, mine
        label = w if partner in (None, w) else f"{mine[0]} ↔ {theirs[0]}"
        out.append(Reason(label, lexical + sem, lexical, sem, mine, theirs))
    for j in np.flatnonzero((topic > 0) & d_ok).tolist():
        v, s = float(topic[j]), dwords[j]
        out.append(Reason(s, v, 0.0, v, *(((), (s,)) if query_is_need else ((s,), ()))))
    return out
