"""Self-checks of lessons 07 (the L2 penalty) and 08 (a confusion matrix): right answers pass, usual mistakes are named."""
import numpy as np
import pytest

from learnnet import exercises


def l2_right(kernel, rate):
    return rate * np.sum(kernel ** 2), 2 * rate * kernel


@pytest.mark.parametrize("wrong, named", [
    (lambda k, r: (r * np.sum(k ** 2), r * k), "the 2 from d(w²)/dw = 2w is missing"),
    (lambda k, r: (r * np.sum(np.abs(k)), r * np.sign(k)), "that is the L1 penalty"),
    (lambda k, r: (0.5 * r * np.sum(k ** 2), r * k), "some books halve it"),
    (lambda k, r: (r * np.mean(k ** 2), 2 * r * k), "the mean of w²"),
])
def test_check_l2_penalty_names_the_usual_mistakes(wrong, named):
    feedback = exercises.check_l2_penalty(wrong)
    assert not feedback and named in str(feedback)


def test_check_l2_penalty_accepts_the_formula_and_refuses_a_single_value():
    assert exercises.check_l2_penalty(l2_right)
    feedback = exercises.check_l2_penalty(lambda k, r: r * np.sum(k ** 2))
    assert not feedback and "pair (penalty, gradient)" in str(feedback)


def confusion_right(y_true, y_pred, num_classes):
    counts = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        counts[t, p] += 1
    return counts


def test_check_confusion_matrix_accepts_counting_and_names_a_transpose():
    assert exercises.check_confusion_matrix(confusion_right)
    feedback = exercises.check_confusion_matrix(lambda t, p, n: confusion_right(t, p, n).T)
    assert not feedback and "rows and columns swapped" in str(feedback)
    feedback = exercises.check_confusion_matrix(lambda t, p, n: confusion_right(t, p, int(max(t.max(), p.max()) + 1)))
    assert not feedback and "shape" in str(feedback)


def test_unwritten_exercises_say_so():
    def todo(*args):
        raise NotImplementedError

    for check in (exercises.check_l2_penalty, exercises.check_confusion_matrix):
        assert "not written yet" in str(check(todo))
