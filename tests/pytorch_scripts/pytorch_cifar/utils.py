'''Helpers of the pytorch-cifar idiom: a one-line progress bar and a compact duration format.

Written for this test in the style of kuangliu/pytorch-cifar ``utils.py`` (it reads the terminal
width without requiring a terminal, so it also runs under pytest).
'''
import shutil
import sys
import time

import minidl as torch

term_width = shutil.get_terminal_size((80, 20)).columns

TOTAL_BAR_LENGTH = 65.
last_time = time.time()
begin_time = last_time


def get_mean_and_std(dataset):
    '''Per-channel mean and std of a dataset of (C, H, W) tensors.'''
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=1, shuffle=True, num_workers=2)
    mean = torch.zeros(3)
    std = torch.zeros(3)
    print('==> Computing mean and std..')
    for inputs, targets in dataloader:
        for i in range(3):
            mean[i] += inputs[:, i, :, :].mean()
            std[i] += inputs[:, i, :, :].std()
    mean.div_(len(dataset))
    std.div_(len(dataset))
    return mean, std


def progress_bar(current, total, msg=None):
    '''Draw bar `current`/`total` on one line, with step time, total time and `msg`.'''
    global last_time, begin_time
    if current == 0:
        begin_time = time.time()  # Reset for new bar.

    cur_len = int(TOTAL_BAR_LENGTH*current/total)
    rest_len = int(TOTAL_BAR_LENGTH - cur_len) - 1

    sys.stdout.write(' [' + '=' * cur_len + '>' + '.' * rest_len + ']')

    cur_time = time.time()
    step_time = cur_time - last_time
    last_time = cur_time
    tot_time = cur_time - begin_time

    parts = ['  Step: %s' % format_time(step_time), ' | Tot: %s' % format_time(tot_time)]
    if msg:
        parts.append(' | ' + msg)
    msg = ''.join(parts)
    sys.stdout.write(msg)
    sys.stdout.write(' %d/%d ' % (current+1, total))

    if current < total-1:
        sys.stdout.write('\r')
    else:
        sys.stdout.write('\n')
    sys.stdout.flush()


def format_time(seconds):
    '''Seconds as at most two units, e.g. "1m23s" or "12ms".'''
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    secondsf = int(seconds)
    millis = int((seconds - secondsf) * 1000)
    units = [('D', days), ('h', hours), ('m', minutes), ('s', secondsf), ('ms', millis)]
    shown = ['%d%s' % (int(value), name) for name, value in units if int(value) > 0][:2]
    return ''.join(shown) or '0ms'
